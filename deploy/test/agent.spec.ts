// The agent DaemonSet and the NetworkPolicies around it. The agent listens on one port (its
// health server, for the kubelet's probes) and dials out to: DNS, the gateway's tunnel, Google's
// APIs (Private Google Access addresses) and its metadata server (Workload Identity), and the
// targets an operator lists. The policies allow exactly that.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IService } from 'kubernetes-models/v1';
import type { INetworkPolicy, INetworkPolicyPeer, INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { env, envNumber, mainContainer, ofKind, selects, workloads, type Workload } from './k8s.js';
import { KUBERNETES_DIR, OVERLAYS, REPO_ROOT, renderOwnOverlay, rendered, type K8sObject } from './render.js';
import { agentHealthPort, agentListenerFiles, gatewayListeners, listenersOpenedBy, parseModes } from './source-facts.js';

const agentOf = (objects: K8sObject[]): Workload => {
  const found = workloads(objects, ['DaemonSet']).filter((w) => w.name === 'jitgate-agent');
  if (found.length !== 1) throw new Error('expected one DaemonSet jitgate-agent');
  return found[0] as Workload;
};

const policiesFor = (objects: K8sObject[], agent: Workload) => ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter((p) => selects(p.spec?.podSelector, agent.podLabels));

/** Egress as (peer, protocol/port) pairs, so that rule grouping does not matter. */
function egressPairs(policies: INetworkPolicy[]): string[] {
  return policies
    .flatMap((policy) => policy.spec?.egress ?? [])
    .flatMap((rule) => {
      // A rule without `to` or without `ports` allows every destination or every port.
      const peers: Array<INetworkPolicyPeer | 'anywhere'> = rule.to?.length ? rule.to : ['anywhere'];
      const ports: Array<INetworkPolicyPort | 'any port'> = rule.ports?.length ? rule.ports : ['any port'];
      return peers.flatMap((peer) =>
        ports.map((port) => `${JSON.stringify(peer)} ${port === 'any port' ? port : `${port.protocol ?? 'TCP'}/${String(port.port ?? 'any')}${port.endPort ? `-${port.endPort}` : ''}`}`),
      );
    })
    .sort();
}

const KUBE_DNS = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
/** Private Google Access: private.googleapis.com and restricted.googleapis.com (VPC Service Controls). */
const GOOGLE_APIS = ['199.36.153.8/30', '199.36.153.4/30'];
/** The GKE metadata server (Workload Identity): 169.254.169.254:80, served by the node's daemon on 169.254.169.252:988. */
const METADATA = [
  ['169.254.169.254/32', 80],
  ['169.254.169.252/32', 988],
] as const;

describe('the agent code', () => {
  it('opens exactly one listening socket: the health server (/healthz, /readyz)', () => {
    expect(agentListenerFiles()).toEqual(['apps/agent/src/health/health-server.ts']);
  });

  it('is documented as opening only that port', () => {
    for (const doc of ['apps/agent/README.md', 'docs/tunnel.md', 'deploy/README.md']) {
      const text = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
      expect(text, doc).not.toMatch(/opens?\s+(\*\*)?no\s+inbound\s+port/i);
      expect(text, doc).toContain(String(agentHealthPort()));
    }
  });
});

describe.each(OVERLAYS)('overlays/%s: the agent', (overlay) => {
  const objects = () => rendered(overlay);
  const agent = () => agentOf(objects());
  const tunnelPort = () => gatewayListeners().find((l) => l.env === 'JITGATE_TUNNEL_PORT')?.port;
  const tunnelPods = () => workloads(objects(), ['Deployment']).filter((g) => parseModes(env(mainContainer(g), 'JITGATE_MODE')?.value).includes('data'));
  const opensTunnel = (gateway: Workload) => tunnelPods().some((g) => g.name === gateway.name);

  it('runs the agent entry point with its own ServiceAccount', () => {
    expect(mainContainer(agent()).command).toEqual(['node', 'apps/agent/dist/main.js']);
    expect(agent().pod.serviceAccountName).toBe('jitgate-agent');
  });

  it('declares its one port, the health port, and nothing else', () => {
    const container = mainContainer(agent());
    const port = envNumber(container, 'JITGATE_AGENT_HEALTH_PORT', agentHealthPort());
    expect(port).toBe(agentHealthPort());
    expect(container.ports?.map((p) => [p.containerPort, p.protocol ?? 'TCP'])).toEqual([[port, 'TCP']]);
  });

  it('reads its token from a Secret file mounted read-only, never from an env value', () => {
    const container = mainContainer(agent());
    const tokenFile = env(container, 'JITGATE_AGENT_TOKEN_FILE')?.value ?? '';
    const mount = container.volumeMounts?.find((m) => tokenFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = agent().pod.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.secret?.secretName).toBe('jitgate-agent-token');
    expect(volume?.secret?.items).toEqual([{ key: 'token', path: path.basename(tokenFile) }]);
    // Readable by the agent's group only (fsGroup), not by others.
    expect((volume?.secret?.defaultMode ?? 0o644) & 0o007).toBe(0);
    expect(agent().pod.securityContext?.fsGroup).toBe(agent().pod.securityContext?.runAsGroup);
    expect(env(container, 'JITGATE_AGENT_TOKEN')).toBeUndefined();
    for (const m of container.volumeMounts ?? []) if (m.mountPath !== '/tmp') expect(m.readOnly, m.name).toBe(true);
  });

  it('dials the headless Service in front of every tunnel-serving pod, verifying TLS against the gateway CA', () => {
    const container = mainContainer(agent());
    const [host, port] = (env(container, 'JITGATE_GATEWAY')?.value ?? '').split(':');
    const [serviceName, namespace, svc] = (host ?? '').split('.');
    expect(svc).toBe('svc');
    const service = ofKind<IService>(objects(), 'Service').find((s) => s.metadata?.name === serviceName && s.metadata?.namespace === namespace);
    expect(service?.spec?.clusterIP).toBe('None');
    expect(Number(port)).toBe(tunnelPort());
    expect(service?.spec?.ports?.map((p) => p.port)).toEqual([tunnelPort()]);
    // It selects the pods that open the tunnel, and only those.
    for (const gateway of workloads(objects(), ['Deployment'])) {
      expect(selects(service?.spec?.selector, gateway.podLabels), gateway.name).toBe(opensTunnel(gateway));
    }
    expect(env(container, 'JITGATE_AGENT_INSECURE')).toBeUndefined();
    expect(env(container, 'JITGATE_GATEWAY_CA')?.value).toMatch(/^\/etc\/jitgate\/gateway-ca\//);
  });

  it('is selected by exactly its three policies: jitgate-agent, jitgate-agent-google, jitgate-agent-targets', () => {
    const policies = policiesFor(objects(), agent());
    expect(policies.map((p) => p.metadata?.name).sort()).toEqual(['jitgate-agent', 'jitgate-agent-google', 'jitgate-agent-targets']);
    for (const policy of policies) expect(policy.spec?.policyTypes, policy.metadata?.name).toContain('Egress');
  });

  it('accepts ingress on the health port only (the kubelet probes it), from nowhere else', () => {
    const policies = policiesFor(objects(), agent());
    const isolating = policies.filter((p) => p.spec?.policyTypes?.includes('Ingress'));
    expect(isolating.length).toBeGreaterThan(0);
    const rules = policies.flatMap((p) => p.spec?.ingress ?? []);
    expect(rules).toEqual([{ ports: [{ protocol: 'TCP', port: agentHealthPort() }] }]);
  });

  it('allows egress to DNS, the tunnel, Google and the listed targets, and nothing else', () => {
    const all = policiesFor(objects(), agent());
    const base = all.filter((p) => p.metadata?.name !== 'jitgate-agent-targets');
    const tunnelRule = all.flatMap((p) => p.spec?.egress ?? []).find((rule) => rule.ports?.some((port) => port.port === tunnelPort()));
    const tunnelPeer = tunnelRule?.to?.[0];
    const expected = [
      ...['UDP', 'TCP'].map((protocol) => `${JSON.stringify(KUBE_DNS)} ${protocol}/53`),
      `${JSON.stringify(tunnelPeer)} TCP/${tunnelPort()}`,
      ...GOOGLE_APIS.map((cidr) => `${JSON.stringify({ ipBlock: { cidr } })} TCP/443`),
      ...METADATA.map(([cidr, port]) => `${JSON.stringify({ ipBlock: { cidr } })} TCP/${port}`),
    ].sort();
    expect(egressPairs(base)).toEqual(expected);
    // The tunnel peer is the pods that open the tunnel, in this namespace, and nothing else.
    expect(tunnelPeer?.namespaceSelector).toBeUndefined();
    expect(tunnelPeer?.ipBlock).toBeUndefined();
    for (const gateway of workloads(objects(), ['Deployment'])) {
      expect(selects(tunnelPeer?.podSelector, gateway.podLabels), gateway.name).toBe(opensTunnel(gateway));
    }
    expect(selects(tunnelPeer?.podSelector, agent().podLabels)).toBe(false);
    // The targets list is empty until an operator fills it in (deploy/README.md).
    expect(egressPairs(all.filter((p) => p.metadata?.name === 'jitgate-agent-targets'))).toEqual([]);
  });

  it('has every tunnel-serving Deployment listening on the port the policy allows', () => {
    for (const gateway of tunnelPods()) {
      expect(
        listenersOpenedBy(parseModes(env(mainContainer(gateway), 'JITGATE_MODE')?.value)).map((l) => l.port),
        gateway.name,
      ).toContain(tunnelPort());
    }
  });
});

describe('the agent targets', () => {
  it('are set by an operator overlay patching jitgate-agent-targets (deploy/kubernetes/examples/agent-targets.yaml)', () => {
    const example = readFileSync(path.join(KUBERNETES_DIR, 'examples/agent-targets.yaml'), 'utf8');
    const objects = renderOwnOverlay({
      'kustomization.yaml': ['resources:', '  - ${KUBERNETES_DIR}/overlays/split', 'patches:', '  - path: agent-targets.yaml', ''].join('\n'),
      'agent-targets.yaml': example,
    });
    const agent = agentOf(objects);
    const targets = policiesFor(objects, agent).filter((p) => p.metadata?.name === 'jitgate-agent-targets');
    const pairs = egressPairs(targets);
    expect(pairs.length).toBeGreaterThan(0);
    // Every target is an address block with explicit ports: no selectors, no "any port".
    for (const pair of pairs) expect(pair).toMatch(/^\{"ipBlock":\{"cidr":"[0-9a-f.:/]+"\}\} (TCP|UDP)\/\d+(-\d+)?$/);
    // The patch touched the targets only.
    const others = (list: K8sObject[]) => egressPairs(policiesFor(list, agentOf(list)).filter((p) => p.metadata?.name !== 'jitgate-agent-targets'));
    expect(others(objects)).toEqual(others(rendered('split')));
  });
});
