import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.schema.js';

// Plaintext tunnels must be asked for by name (docs/tunnel.md), so even the minimal set says so.
const minimal = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/jitgate', REDIS_URL: 'redis://127.0.0.1:6379', JITGATE_TUNNEL_INSECURE: 'true' };

describe('parseConfig', () => {
  it('fills documented defaults', () => {
    const config = parseConfig(minimal);
    expect(config.http.port).toBe(8080);
    expect(config.access.requestTtlSeconds).toBe(3600);
    expect(config.access.maxGrantSeconds).toBe(86_400);
    expect(config.auth.adminGroup).toBe('jitgate-admins');
    expect(config.auth.oidcIssuers).toEqual([]);
    expect(config.auth.bootstrapToken).toBeUndefined();
    expect(config.tunnel).toMatchObject({ port: 8443, tls: null, heartbeatIntervalMs: 5000, sessionReconcileIntervalMs: 5000 });
    expect(config.tunnel.gatewayId).toMatch(/^.+-[0-9a-f]{6}$/);
    expect(config.tcp).toEqual({ port: 8444, tls: null });
  });

  it('takes TLS files for the tunnel and the client listener', () => {
    const config = parseConfig({
      ...minimal,
      JITGATE_TUNNEL_INSECURE: undefined,
      JITGATE_TUNNEL_TLS_CERT: '/tls/tunnel.crt',
      JITGATE_TUNNEL_TLS_KEY: '/tls/tunnel.key',
      JITGATE_TCP_TLS_CERT: '/tls/tcp.crt',
      JITGATE_TCP_TLS_KEY: '/tls/tcp.key',
      JITGATE_GATEWAY_ID: 'gw-1',
      JITGATE_TUNNEL_PORT: '0',
    });
    expect(config.tunnel).toEqual({ gatewayId: 'gw-1', port: 0, tls: { certFile: '/tls/tunnel.crt', keyFile: '/tls/tunnel.key' }, heartbeatIntervalMs: 5000, sessionReconcileIntervalMs: 5000 });
    expect(config.tcp.tls).toEqual({ certFile: '/tls/tcp.crt', keyFile: '/tls/tcp.key' });
  });

  it('parses durations and numbers', () => {
    const config = parseConfig({ ...minimal, PORT: '9090', JITGATE_REQUEST_TTL: '15m', JITGATE_SWEEP_INTERVAL: '5', JITGATE_MAX_GRANT_DURATION: '2d', JITGATE_SESSION_RECONCILE_INTERVAL: '2s' });
    expect(config.http.port).toBe(9090);
    expect(config.access.requestTtlSeconds).toBe(900);
    expect(config.access.sweepIntervalSeconds).toBe(5);
    expect(config.access.maxGrantSeconds).toBe(172_800);
    expect(config.tunnel.sessionReconcileIntervalMs).toBe(2000);
  });

  it.each([
    [{ DATABASE_URL: undefined }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ PORT: '70000' }, 'PORT'],
    [{ JITGATE_REQUEST_TTL: 'soon' }, 'JITGATE_REQUEST_TTL'],
    [{ JITGATE_BOOTSTRAP_TOKEN: 'short' }, 'JITGATE_BOOTSTRAP_TOKEN'],
    [{ JITGATE_OIDC_ISSUERS: 'not json' }, 'JITGATE_OIDC_ISSUERS'],
    [{ JITGATE_REDIS_PREFIX: 'a:b' }, 'JITGATE_REDIS_PREFIX'],
    [{ JITGATE_TUNNEL_INSECURE: undefined }, 'JITGATE_TUNNEL_TLS_CERT'],
    [{ JITGATE_TUNNEL_INSECURE: 'false', JITGATE_TUNNEL_TLS_CERT: '/c' }, 'JITGATE_TUNNEL_TLS_KEY'],
    [{ JITGATE_TUNNEL_TLS_CERT: '/c', JITGATE_TUNNEL_TLS_KEY: '/k' }, 'JITGATE_TUNNEL_INSECURE'],
    [{ JITGATE_TUNNEL_INSECURE: 'yes' }, 'JITGATE_TUNNEL_INSECURE'],
    [{ JITGATE_TCP_TLS_CERT: '/c' }, 'JITGATE_TCP_TLS_KEY'],
    [{ JITGATE_TCP_PORT: '-1' }, 'JITGATE_TCP_PORT'],
    [{ JITGATE_TUNNEL_HEARTBEAT: '0' }, 'JITGATE_TUNNEL_HEARTBEAT'],
    [{ JITGATE_SESSION_RECONCILE_INTERVAL: '0' }, 'JITGATE_SESSION_RECONCILE_INTERVAL'],
    [{ JITGATE_SESSION_RECONCILE_INTERVAL: '1h' }, 'JITGATE_SESSION_RECONCILE_INTERVAL'],
    [{ JITGATE_GATEWAY_ID: 'a b' }, 'JITGATE_GATEWAY_ID'],
  ])('rejects %j naming %s', (override, variable) => {
    let error: unknown;
    try {
      parseConfig({ ...minimal, ...override });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.some((p) => p.startsWith(variable))).toBe(true);
  });

  it('never echoes a value in its errors', () => {
    const secret = 'jg_short-secret-value';
    try {
      parseConfig({ ...minimal, JITGATE_BOOTSTRAP_TOKEN: secret });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
