// Every port the gateway listens on (its config schema's defaults) is declared by the container
// that opens it and reachable through a Service; no Service points at a port its pods do not
// open. Which ports a Deployment opens follows from its JITGATE_MODE: PORT (REST in `api`,
// /healthz /readyz /metrics in every mode) always, the data plane's with `data`.
import type { IService } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { env, mainContainer, ofKind, selects, servicePortTarget, servicesSelecting, workloads, type Workload } from './k8s.js';
import { OVERLAYS, rendered } from './render.js';
import { MODES, gatewayListeners, listenersOpenedBy, parseModes } from './source-facts.js';

const modesOf = (workload: Workload) => parseModes(env(mainContainer(workload), 'JITGATE_MODE')?.value);

describe('the gateway config schema', () => {
  it('lists the listeners the deploy specs check: REST, tunnel, client TCP, Postgres, HTTP', () => {
    expect(
      gatewayListeners()
        .map((l) => l.env)
        .sort(),
    ).toEqual(['JITGATE_HTTP_PORT', 'JITGATE_PG_PORT', 'JITGATE_TCP_PORT', 'JITGATE_TUNNEL_PORT', 'PORT']);
  });
});

describe.each(OVERLAYS)('overlays/%s', (overlay) => {
  const objects = () => rendered(overlay);
  const gateways = () => workloads(objects(), ['Deployment']);

  it('sets JITGATE_MODE on every gateway Deployment, and runs every mode somewhere', () => {
    const modes = new Set<string>();
    for (const gateway of gateways()) {
      const value = env(mainContainer(gateway), 'JITGATE_MODE')?.value;
      expect(value ?? '(unset)', gateway.name).toMatch(/^(all|api|worker|data)(,(api|worker|data))*$/);
      for (const mode of modesOf(gateway)) modes.add(mode);
    }
    expect([...modes].sort()).toEqual([...MODES].sort());
  });

  it('declares every port a gateway Deployment listens on, at the config default, and sets it in the env', () => {
    for (const gateway of gateways()) {
      const container = mainContainer(gateway);
      const opened = listenersOpenedBy(modesOf(gateway));
      for (const listener of opened) {
        const id = `${gateway.name}: ${listener.env}`;
        const value = env(container, listener.env)?.value;
        if (value !== undefined) expect(Number(value), id).toBe(listener.port);
        expect(
          container.ports?.some((p) => p.containerPort === listener.port && (p.protocol ?? 'TCP') === 'TCP'),
          id,
        ).toBe(true);
      }
      // And nothing it does not open.
      expect(container.ports?.map((p) => p.containerPort).sort(), gateway.name).toEqual(opened.map((l) => l.port).sort());
    }
  });

  it('exposes every port a gateway Deployment listens on through a Service that selects its pods', () => {
    for (const gateway of gateways()) {
      const container = mainContainer(gateway);
      const services = servicesSelecting(objects(), gateway);
      for (const listener of listenersOpenedBy(modesOf(gateway))) {
        const exposing = services.filter((s) => s.spec?.ports?.some((p) => servicePortTarget(container, p) === listener.port));
        expect(
          exposing.map((s) => s.metadata?.name),
          `${gateway.name}: ${listener.env} (${listener.port})`,
        ).not.toEqual([]);
      }
    }
  });

  it('puts the tunnel on a headless Service, so that agents resolve and dial every replica', () => {
    const tunnel = gatewayListeners().find((l) => l.env === 'JITGATE_TUNNEL_PORT');
    for (const gateway of gateways().filter((g) => modesOf(g).includes('data'))) {
      const headless = servicesSelecting(objects(), gateway).filter((s) => s.spec?.ports?.some((p) => servicePortTarget(mainContainer(gateway), p) === tunnel?.port));
      expect(headless.length, gateway.name).toBeGreaterThan(0);
      for (const service of headless) expect(service.spec?.clusterIP, service.metadata?.name).toBe('None');
    }
  });

  it('has no Service pointing at a port its pods do not open, and none that selects no pods', () => {
    for (const service of ofKind<IService>(objects(), 'Service')) {
      const selected = gateways().filter((g) => selects(service.spec?.selector, g.podLabels));
      expect(selected.length, `${service.metadata?.name} selects no gateway pods`).toBeGreaterThan(0);
      for (const gateway of selected) {
        for (const port of service.spec?.ports ?? []) {
          expect(servicePortTarget(mainContainer(gateway), port), `${service.metadata?.name}:${port.port} on ${gateway.name}`).toBeDefined();
        }
      }
    }
  });

  it('serves the tunnel with TLS (the gateway refuses to start without it) and the client TCP port too (its handshake carries a token)', () => {
    for (const gateway of gateways().filter((g) => modesOf(g).includes('data'))) {
      const container = mainContainer(gateway);
      for (const prefix of ['JITGATE_TUNNEL', 'JITGATE_TCP']) {
        expect(env(container, `${prefix}_TLS_CERT`)?.value, `${gateway.name} ${prefix}`).toMatch(/^\/.+/);
        expect(env(container, `${prefix}_TLS_KEY`)?.value, `${gateway.name} ${prefix}`).toMatch(/^\/.+/);
      }
      expect(env(container, 'JITGATE_TUNNEL_INSECURE'), gateway.name).toBeUndefined();
    }
  });
});
