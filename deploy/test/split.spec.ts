// overlays/split: one image, three Deployments (api, worker, data), each opening only what its
// mode opens and exposed by its own Service.
import type { IService } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { env, find, mainContainer, mebibytes, servicePortTarget, workloads } from './k8s.js';
import { rendered } from './render.js';
import { gatewayListeners } from './source-facts.js';

describe('overlays/split', () => {
  const objects = () => rendered('split');
  const deployment = (name: string) => {
    const found = workloads(objects(), ['Deployment']).find((w) => w.name === name);
    if (!found) throw new Error(`no Deployment ${name}`);
    return found;
  };
  const port = (envName: string) => gatewayListeners().find((l) => l.env === envName)?.port;

  it('runs three Deployments from the one gateway image, JITGATE_MODE api, worker and data', () => {
    const gateways = workloads(objects(), ['Deployment']);
    expect(gateways.map((g) => [g.name, env(mainContainer(g), 'JITGATE_MODE')?.value]).sort()).toEqual([
      ['jitgate-gateway-api', 'api'],
      ['jitgate-gateway-data', 'data'],
      ['jitgate-gateway-worker', 'worker'],
    ]);
    expect(new Set(gateways.map((g) => mainContainer(g).image)).size).toBe(1);
    for (const g of gateways) expect(mainContainer(g).command, g.name).toEqual(['node', 'apps/gateway/dist/main.js']);
  });

  it('runs the data plane on 2+ replicas', () => {
    expect(deployment('jitgate-gateway-data').replicas).toBeGreaterThanOrEqual(2);
  });

  it('exposes REST only on the api Service', () => {
    const api = find<IService>(objects(), 'Service', 'jitgate-gateway-api');
    const container = mainContainer(deployment('jitgate-gateway-api'));
    expect(api.spec?.ports?.map((p) => servicePortTarget(container, p))).toEqual([port('PORT')]);
  });

  it('exposes the client TCP, Postgres and HTTP ports and metrics on the data Service, the tunnel on the headless one', () => {
    const container = mainContainer(deployment('jitgate-gateway-data'));
    const data = find<IService>(objects(), 'Service', 'jitgate-gateway-data');
    expect(data.spec?.ports?.map((p) => servicePortTarget(container, p)).sort()).toEqual([port('JITGATE_TCP_PORT'), port('JITGATE_PG_PORT'), port('JITGATE_HTTP_PORT'), port('PORT')].sort());
    expect(data.spec?.ports?.find((p) => servicePortTarget(container, p) === port('PORT'))?.name).toBe('metrics');
    const tunnel = find<IService>(objects(), 'Service', 'jitgate-gateway-tunnel');
    expect(tunnel.spec?.clusterIP).toBe('None');
    expect(tunnel.spec?.ports?.map((p) => servicePortTarget(container, p))).toEqual([port('JITGATE_TUNNEL_PORT')]);
  });

  it('exposes the worker’s metrics for scraping on a headless Service', () => {
    const worker = find<IService>(objects(), 'Service', 'jitgate-gateway-worker');
    expect(worker.spec?.clusterIP).toBe('None');
    expect(worker.spec?.ports?.map((p) => [p.name, servicePortTarget(mainContainer(deployment('jitgate-gateway-worker')), p)])).toEqual([['metrics', port('PORT')]]);
  });

  it('gives the data plane the bigger memory budget: it holds whole rows and bodies to mask them', () => {
    const limit = (name: string) => mebibytes(mainContainer(deployment(name)).resources?.limits?.memory);
    expect(limit('jitgate-gateway-data')).toBeGreaterThan(limit('jitgate-gateway-api'));
  });
});
