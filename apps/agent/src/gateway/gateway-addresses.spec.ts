import { describe, expect, it } from 'vitest';
import { parseGatewaySetting, resolveEndpoints } from './gateway-addresses.js';

describe('gateway addresses', () => {
  it('dials a list of addresses as given', async () => {
    const setting = parseGatewaySetting('10.0.0.1:8443,[fd00::1]:8443');
    expect(await resolveEndpoints(setting, () => Promise.reject(new Error('not called')))).toEqual([{ target: '10.0.0.1:8443' }, { target: '[fd00::1]:8443' }]);
  });

  it('gives one DNS name one tunnel per address, presenting the name for TLS', async () => {
    const setting = parseGatewaySetting('jitgate-tunnel.jitgate.svc:8443');
    const endpoints = await resolveEndpoints(setting, async () => ['10.1.0.9', '10.1.0.7', '10.1.0.9', 'fd00::3']);
    const name = { host: 'jitgate-tunnel.jitgate.svc', port: 8443 };
    expect(endpoints).toEqual([
      { target: '10.1.0.7:8443', name },
      { target: '10.1.0.9:8443', name },
      { target: '[fd00::3]:8443', name },
    ]);
  });

  it('fails when a name resolves to nothing, so the caller keeps its tunnels', async () => {
    await expect(resolveEndpoints(parseGatewaySetting('gw:1'), async () => [])).rejects.toThrow(/no address/);
  });
});
