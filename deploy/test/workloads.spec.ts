// Every workload of every overlay: hardened (non-root, read-only root, no capabilities, no
// service-account token), resources requested and memory bounded, probed on the apps' own
// /healthz and /readyz, and every Deployment covered by a PodDisruptionBudget of its own.
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { describe, expect, it } from 'vitest';
import { LONG_RUNNING_KINDS, allContainers, env, mainContainer, ofKind, probePort, selects, workloads, envNumber } from './k8s.js';
import { OVERLAYS, rendered } from './render.js';
import { agentHealthPort, agentHealthRoutes, gatewayListeners, gatewayRoutes } from './source-facts.js';

const isAgent = (command: string[] | undefined) => command?.join(' ') === 'node apps/agent/dist/main.js';

describe.each(OVERLAYS)('overlays/%s', (overlay) => {
  const objects = () => rendered(overlay);

  it('runs every pod non-root, seccomp RuntimeDefault, no host namespaces, no service-account token', () => {
    for (const { kind, name, pod } of workloads(objects())) {
      const id = `${kind}/${name}`;
      expect(pod.securityContext, id).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext?.runAsUser, id).toBeGreaterThan(0);
      expect(pod.securityContext?.runAsGroup, id).toBeGreaterThan(0);
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) expect(pod[field] ?? false, `${id} ${field}`).toBe(false);
      expect(pod.automountServiceAccountToken, id).toBe(false);
    }
  });

  it('runs every container (init containers too) without privilege, capabilities or a writable root', () => {
    for (const { kind, name, pod } of workloads(objects())) {
      for (const container of allContainers(pod)) {
        const id = `${kind}/${name} ${container.name}`;
        expect(container.securityContext, id).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.securityContext?.capabilities?.add ?? [], id).toEqual([]);
        expect(container.securityContext?.privileged ?? false, id).toBe(false);
      }
      // A read-only root still needs a writable /tmp.
      expect(
        pod.containers.every((c) => c.volumeMounts?.some((m) => m.mountPath === '/tmp')),
        `${kind}/${name} /tmp`,
      ).toBe(true);
    }
  });

  it('requests CPU and memory for every container and bounds its memory', () => {
    for (const { kind, name, pod } of workloads(objects())) {
      for (const container of allContainers(pod)) {
        const id = `${kind}/${name} ${container.name}`;
        expect(container.resources?.requests, id).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources?.limits, id).toMatchObject({ memory: expect.any(String) });
      }
    }
  });

  it('probes every long-running container: liveness on /healthz, readiness on /readyz, on its health port', () => {
    const gatewayHealthPort = gatewayListeners().find((l) => l.env === 'PORT')?.port ?? NaN;
    for (const workload of workloads(objects(), LONG_RUNNING_KINDS)) {
      const container = mainContainer(workload);
      const id = `${workload.kind}/${workload.name}`;
      const agent = isAgent(container.command);
      const healthPort = agent ? envNumber(container, 'JITGATE_AGENT_HEALTH_PORT', agentHealthPort()) : envNumber(container, 'PORT', gatewayHealthPort);
      const routes = agent ? agentHealthRoutes() : gatewayRoutes();
      expect(container.livenessProbe?.httpGet?.path, id).toBe('/healthz');
      expect(container.readinessProbe?.httpGet?.path, id).toBe('/readyz');
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe].filter(Boolean)) {
        expect(probePort(container, probe), id).toBe(healthPort);
        expect(routes.has(probe?.httpGet?.path ?? ''), `${id}: ${probe?.httpGet?.path} is not a route of the app`).toBe(true);
      }
    }
  });

  it('gives every Deployment 2+ replicas, a rolling update that keeps capacity, and a PodDisruptionBudget of its own', () => {
    const deployments = workloads(objects(), ['Deployment']);
    const budgets = ofKind<IPodDisruptionBudget>(objects(), 'PodDisruptionBudget');
    expect(deployments.length).toBeGreaterThan(0);
    for (const deployment of deployments) {
      const id = `Deployment/${deployment.name}`;
      expect(deployment.replicas, id).toBeGreaterThanOrEqual(2);
      expect((deployment.object.spec as { strategy?: { rollingUpdate?: { maxUnavailable?: unknown } } }).strategy?.rollingUpdate?.maxUnavailable, id).toBe(0);
      const mine = budgets.filter((budget) => selects(budget.spec?.selector, deployment.podLabels));
      expect(
        mine.map((b) => b.metadata?.name),
        id,
      ).toHaveLength(1);
      const budget = mine[0];
      // It covers this Deployment's pods only, and still lets a node drain.
      for (const other of deployments.filter((d) => d !== deployment)) expect(selects(budget?.spec?.selector, other.podLabels), `${budget?.metadata?.name} also selects ${other.name}`).toBe(false);
      expect(budget?.spec?.minAvailable, id).toBeGreaterThanOrEqual(1);
      expect(Number(budget?.spec?.minAvailable), id).toBeLessThan(deployment.replicas ?? 0);
    }
  });

  it('names each gateway pod after itself (JITGATE_GATEWAY_ID) so that sessions find their replica', () => {
    for (const workload of workloads(objects(), ['Deployment'])) {
      expect(env(mainContainer(workload), 'JITGATE_GATEWAY_ID')?.valueFrom?.fieldRef?.fieldPath, workload.name).toBe('metadata.name');
    }
  });
});
