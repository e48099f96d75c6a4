// overlays/tls (split + components/tls), and the same component on all-in-one: every listener
// the gateway's code can serve with TLS does, from certificates mounted read-only from Secrets,
// through exactly the settings the code reads (<prefix>_TLS_CERT / <prefix>_TLS_KEY).
import path from 'node:path';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { env, mainContainer, workloads } from './k8s.js';
import { renderOwnOverlay, rendered, type K8sObject } from './render.js';
import { gatewayListeners, gatewayTlsPrefixes, listenersOpenedBy, parseModes } from './source-facts.js';

/** The Secret and key a mounted file comes from, or undefined when it is not a Secret file. */
function secretFile(pod: IPodSpec, container: IContainer, file: string): { secret: string; key: string; mode: number } | undefined {
  const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
  if (!mount?.readOnly) return undefined;
  const volume = pod.volumes?.find((v) => v.name === mount.name);
  if (!volume?.secret?.secretName) return undefined;
  const relative = path.posix.relative(mount.mountPath, file);
  const items = volume.secret.items;
  const key = items ? items.find((i) => i.path === relative)?.key : relative;
  return key ? { secret: volume.secret.secretName, key, mode: volume.secret.defaultMode ?? 0o644 } : undefined;
}

const CLIENT_LISTENERS = ['JITGATE_API', 'JITGATE_TCP', 'JITGATE_PG', 'JITGATE_HTTP'];

function expectTlsOnEveryListener(objects: K8sObject[]): void {
  const gateways = workloads(objects, ['Deployment']);
  let checked = 0;
  for (const gateway of gateways) {
    const container = mainContainer(gateway);
    for (const listener of listenersOpenedBy(parseModes(env(container, 'JITGATE_MODE')?.value))) {
      if (!listener.tlsPrefix) continue;
      const id = `${gateway.name}: ${listener.tlsPrefix}`;
      const cert = secretFile(gateway.pod, container, env(container, `${listener.tlsPrefix}_TLS_CERT`)?.value ?? '');
      const key = secretFile(gateway.pod, container, env(container, `${listener.tlsPrefix}_TLS_KEY`)?.value ?? '');
      expect(cert, `${id}_TLS_CERT is a file of a read-only Secret mount`).toBeDefined();
      expect(key, `${id}_TLS_KEY is a file of a read-only Secret mount`).toBeDefined();
      // A kubernetes.io/tls Secret: tls.crt and tls.key of the same Secret.
      expect([cert?.key, key?.key], id).toEqual(['tls.crt', 'tls.key']);
      expect(cert?.secret, id).toBe(key?.secret);
      expect((key?.mode ?? 0o644) & 0o007, `${id}: the key is not world-readable`).toBe(0);
      // Agents verify the tunnel against the cluster's CA; users dial the client ports by their public names.
      expect(cert?.secret, id).toBe(CLIENT_LISTENERS.includes(listener.tlsPrefix) ? 'jitgate-gateway-client-tls' : 'jitgate-gateway-tls');
      checked += 1;
    }
    expect(env(container, 'JITGATE_TUNNEL_INSECURE'), gateway.name).toBeUndefined();
  }
  expect(checked).toBeGreaterThanOrEqual(gatewayTlsPrefixes().length);
}

describe('the gateway config schema', () => {
  it('has TLS settings for every listener, PORT (REST, /healthz, /readyz, /metrics) included', () => {
    expect(
      gatewayListeners()
        .filter((l) => !l.tlsPrefix)
        .map((l) => l.env),
    ).toEqual([]);
    expect(gatewayListeners().find((l) => l.env === 'PORT')?.tlsPrefix).toBe('JITGATE_API');
    // …and no TLS setting that belongs to no listener.
    expect(gatewayTlsPrefixes().sort()).toEqual(
      gatewayListeners()
        .flatMap((l) => (l.tlsPrefix ? [l.tlsPrefix] : []))
        .sort(),
    );
  });
});

describe('overlays/tls', () => {
  it('serves every listener that can do TLS with TLS, from Secrets mounted read-only', () => {
    expectTlsOnEveryListener(rendered('tls'));
  });

  it('probes every gateway over HTTPS, since PORT serves TLS there (and over HTTP in split)', () => {
    const schemes = (objects: K8sObject[]) =>
      workloads(objects, ['Deployment']).flatMap((gateway) => {
        const container = mainContainer(gateway);
        return [container.startupProbe, container.livenessProbe, container.readinessProbe].map((probe) => probe?.httpGet?.scheme ?? 'HTTP');
      });
    expect(new Set(schemes(rendered('tls')))).toEqual(new Set(['HTTPS']));
    expect(new Set(schemes(rendered('split')))).toEqual(new Set(['HTTP']));
  });

  it('is the split overlay plus TLS', () => {
    const names = (objects: K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names(rendered('tls'))).toEqual(names(rendered('split')));
  });

  it('keeps the agent verifying the gateway against its CA, and Google over https', () => {
    const agent = workloads(rendered('tls'), ['DaemonSet'])[0];
    const container = agent && mainContainer(agent);
    expect(container && env(container, 'JITGATE_AGENT_INSECURE')).toBeUndefined();
    expect(container && secretFile(agent.pod, container, env(container, 'JITGATE_GATEWAY_CA')?.value ?? '')).toMatchObject({ secret: 'jitgate-gateway-ca', key: 'ca.crt' });
    for (const variable of container?.env ?? []) {
      if (/_ENDPOINT$|_URL$/.test(variable.name)) expect(variable.value ?? '', variable.name).toMatch(/^https:\/\//);
    }
    expect(container && env(container, 'JITGATE_AGENT_IAM_CREDENTIALS_INSECURE')).toBeUndefined();
  });
});

describe('components/tls on the all-in-one overlay', () => {
  it('serves every listener that can do TLS with TLS there too', () => {
    expectTlsOnEveryListener(
      renderOwnOverlay({
        'kustomization.yaml': ['resources:', '  - ${KUBERNETES_DIR}/overlays/all-in-one', 'components:', '  - ${KUBERNETES_DIR}/components/tls', ''].join('\n'),
      }),
    );
  });
});
