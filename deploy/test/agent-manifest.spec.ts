// agent.yaml: the DaemonSet (token file, probes, discovery through the headless Service) and
// its egress-only NetworkPolicy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IService } from 'kubernetes-models/v1';
import type { IDaemonSet, IDeployment } from 'kubernetes-models/apps/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, type K8sObject } from './load-manifests.js';
import { env, expectHardenedPod, find, kustomization, onlyContainer, probePort } from './manifest-helpers.js';

describe('agent.yaml', () => {
  const daemonSet = find<IDaemonSet>('DaemonSet', 'jitgate-agent');
  const pod = daemonSet.spec?.template.spec;
  const container = onlyContainer(pod);

  it('runs the agent entry point with its own ServiceAccount and no host network', () => {
    expect(container.command).toEqual(['node', 'apps/agent/dist/main.js']);
    expect(pod?.serviceAccountName).toBe('jitgate-agent');
    find<K8sObject>('ServiceAccount', 'jitgate-agent');
    expect(pod?.hostNetwork).toBe(false);
    expect(pod?.hostPID ?? false).toBe(false);
  });

  it('probes /healthz and /readyz on the health port, the only port it opens', () => {
    expect(container.ports).toEqual([{ name: 'health', containerPort: 9090, protocol: 'TCP' }]);
    expect(env(container, 'JITGATE_AGENT_HEALTH_PORT')?.value).toBe('9090');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(probePort(container, container.livenessProbe)).toBe(9090);
    expect(probePort(container, container.readinessProbe)).toBe(9090);
    // The paths are the agent's own routes.
    const health = readFileSync(path.join(REPO_ROOT, 'apps/agent/src/health/health-server.ts'), 'utf8');
    expect(health).toContain("'/healthz'");
    expect(health).toContain("'/readyz'");
  });

  it('reads its token from a Secret file mounted read-only, never from an env value', () => {
    const tokenFile = env(container, 'JITGATE_AGENT_TOKEN_FILE')?.value ?? '';
    const mount = container.volumeMounts?.find((m) => m.name === 'agent-token');
    expect(mount?.readOnly).toBe(true);
    expect(tokenFile.startsWith(`${mount?.mountPath}/`)).toBe(true);
    const volume = pod?.volumes?.find((v) => v.name === 'agent-token');
    expect(volume?.secret?.secretName).toBe('jitgate-agent-token');
    expect(volume?.secret?.items).toEqual([{ key: 'token', path: path.basename(tokenFile) }]);
    // Readable by the agent's group only (fsGroup), not by others.
    expect((volume?.secret?.defaultMode ?? 0o644) & 0o007).toBe(0);
    expect(pod?.securityContext?.fsGroup).toBe(pod?.securityContext?.runAsGroup);
    expect(env(container, 'JITGATE_AGENT_TOKEN')).toBeUndefined();
    for (const m of container.volumeMounts ?? []) if (m.mountPath !== '/tmp') expect(m.readOnly, m.name).toBe(true);
  });

  it('points JITGATE_GATEWAY at the headless tunnel Service by DNS name', () => {
    const headless = find<IService>('Service', 'jitgate-gateway-tunnel');
    const tunnelPort = headless.spec?.ports?.[0]?.port;
    expect(env(container, 'JITGATE_GATEWAY')?.value).toBe(`${headless.metadata?.name}.${kustomization.namespace}.svc:${tunnelPort}`);
    expect(env(container, 'JITGATE_AGENT_INSECURE')).toBeUndefined();
    expect(env(container, 'JITGATE_GATEWAY_CA')?.value).toMatch(/^\/etc\/jitgate\/gateway-ca\//);
  });

  it('is hardened: non-root, read-only root, no capabilities, resources set', () => {
    expectHardenedPod(pod, container);
  });

  it('has an egress-only NetworkPolicy: no ingress, egress to the tunnel port, DNS and targets', () => {
    const policy = find<INetworkPolicy>('NetworkPolicy', 'jitgate-agent');
    expect(policy.spec?.podSelector.matchLabels).toEqual(daemonSet.spec?.selector.matchLabels);
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec?.ingress).toBeUndefined();
    const egress = policy.spec?.egress ?? [];
    const gatewayLabels = find<IDeployment>('Deployment', 'jitgate-gateway').spec?.template.metadata?.labels ?? {};
    const toGateway = egress.find((rule) => rule.to?.some((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === gatewayLabels['app.kubernetes.io/name']));
    expect(toGateway?.ports).toEqual([{ protocol: 'TCP', port: 8443 }]);
    const dns = egress.find((rule) => rule.ports?.some((p) => p.port === 53));
    expect(dns?.ports).toEqual(expect.arrayContaining([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]));
    expect(dns?.to?.[0]?.namespaceSelector?.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    // Every rule is narrowed by port: no "allow all egress".
    for (const rule of egress) expect(rule.ports?.length, JSON.stringify(rule)).toBeGreaterThan(0);
    expect(egress).toHaveLength(3);
  });
});

