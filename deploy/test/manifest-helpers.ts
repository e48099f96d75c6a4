// Shared by the manifest specs: the objects of deploy/kubernetes, their schemas, and lookups.
import { expect } from 'vitest';
import { ConfigMap, Namespace, Service, ServiceAccount, type IContainer, type IPodSpec, type IProbe } from 'kubernetes-models/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadKustomization, loadManifests, type K8sObject } from './load-manifests.js';

export interface Validatable {
  validate(): void;
}

/** Every kind the manifests may use, with its schema. A kind not listed here fails the suite. */
export const MODELS: Record<string, (data: K8sObject) => Validatable> = {
  'v1/Namespace': (d) => new Namespace(d as never),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as never),
  'v1/ConfigMap': (d) => new ConfigMap(d as never),
  'v1/Service': (d) => new Service(d as never),
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'apps/v1/DaemonSet': (d) => new DaemonSet(d as never),
  'batch/v1/Job': (d) => new Job(d as never),
  'networking.k8s.io/v1/NetworkPolicy': (d) => new NetworkPolicy(d as never),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never),
};

export const manifests = loadManifests();
export const kustomization = loadKustomization();

export function find<T>(kind: string, name: string): T {
  const found = manifests.find(({ object }) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return found.object as unknown as T;
}

export function onlyContainer(pod: IPodSpec | undefined): IContainer {
  expect(pod?.containers).toHaveLength(1);
  return pod?.containers[0] as IContainer;
}

/** The container port a probe's httpGet points at, by name or number. */
export function probePort(container: IContainer, probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function env(container: IContainer, name: string) {
  return container.env?.find((e) => e.name === name);
}

export function expectHardenedPod(pod: IPodSpec | undefined, container: IContainer): void {
  expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
  expect(pod?.hostNetwork ?? false).toBe(false);
  expect(pod?.automountServiceAccountToken).toBe(false);
  expect(container.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.securityContext?.privileged ?? false).toBe(false);
  // A read-only root still needs a writable /tmp.
  expect(container.volumeMounts?.some((m) => m.mountPath === '/tmp')).toBe(true);
  expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  expect(container.resources?.limits).toMatchObject({ memory: expect.any(String) });
}

export function podSpecOf(object: K8sObject): IPodSpec | undefined {
  const spec = object.spec as { template?: { spec?: IPodSpec } } | undefined;
  return spec?.template?.spec;
}

