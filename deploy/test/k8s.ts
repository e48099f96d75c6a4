// Lookups over rendered objects: workloads and their pods, which Services and policies select
// which pods, what a Service port reaches. Shared by the specs.
import type { IContainer, IContainerPort, IEnvVar, IPodSpec, IProbe, IService, IServicePort } from 'kubernetes-models/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { K8sObject } from './render.js';

export type LabelSelector = NonNullable<IDeployment['spec']>['selector'];

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

export const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'Job'];
/** Workloads that run until stopped: these are probed. */
export const LONG_RUNNING_KINDS = ['Deployment', 'DaemonSet'];

export interface Workload {
  object: K8sObject;
  kind: string;
  name: string;
  pod: IPodSpec;
  podLabels: Record<string, string>;
  replicas: number | undefined;
  selector: LabelSelector | undefined;
}

export function workloads(objects: K8sObject[], kinds = WORKLOAD_KINDS): Workload[] {
  return objects
    .filter((object) => kinds.includes(object.kind))
    .map((object) => {
      const spec = object.spec as { replicas?: number; selector?: LabelSelector; template: { metadata?: { labels?: Record<string, string> }; spec: IPodSpec } };
      return {
        object,
        kind: object.kind,
        name: object.metadata.name,
        pod: spec.template.spec,
        podLabels: spec.template.metadata?.labels ?? {},
        replicas: object.kind === 'Deployment' ? (spec.replicas ?? 1) : undefined,
        selector: spec.selector,
      };
    });
}

export function find<T>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered output`);
  return found as unknown as T;
}

export function ofKind<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}

/** A workload's one container (init containers aside): the pods here run no sidecars. */
export function mainContainer(workload: Workload): IContainer {
  if (workload.pod.containers.length !== 1) throw new Error(`${workload.kind}/${workload.name}: expected one container, found ${workload.pod.containers.length}`);
  return workload.pod.containers[0] as IContainer;
}

export function allContainers(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

export function env(container: IContainer, name: string): IEnvVar | undefined {
  return container.env?.find((e) => e.name === name);
}

/** Label selector semantics (matchLabels and matchExpressions), as the API server applies them. */
export function selects(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = (isLabelSelector ? (selector as LabelSelector).matchLabels : (selector as Record<string, string>)) ?? {};
  const expressions = isLabelSelector ? ((selector as LabelSelector).matchExpressions ?? []) : [];
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of expressions) {
    const has = key in labels;
    const value = labels[key];
    if (operator === 'In' && !(has && values.includes(value as string))) return false;
    if (operator === 'NotIn' && has && values.includes(value as string)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** An empty selector ({}) selects every pod; a Service without a selector selects none. */
export function selectsAll(selector: LabelSelector | undefined): boolean {
  return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** The container port a probe, a Service port or a policy port names, by name or number. */
export function containerPortFor(container: IContainer, port: string | number | undefined): IContainerPort | undefined {
  if (port === undefined) return undefined;
  return container.ports?.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

export function probePort(container: IContainer, probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return typeof port === 'number' ? port : containerPortFor(container, port)?.containerPort;
}

/** The number a Service port reaches in this container (targetPort defaults to port). */
export function servicePortTarget(container: IContainer, port: IServicePort): number | undefined {
  return containerPortFor(container, port.targetPort ?? port.port)?.containerPort;
}

export function servicesSelecting(objects: K8sObject[], workload: Workload): IService[] {
  return ofKind<IService>(objects, 'Service').filter((service) => selects(service.spec?.selector, workload.podLabels));
}

/** The value an env var holds in the manifest (literal values only), else the fallback. */
export function envNumber(container: IContainer, name: string, fallback: number): number {
  const value = env(container, name)?.value;
  return value === undefined ? fallback : Number(value);
}

/** A memory quantity in MiB (binary suffixes, or plain bytes). */
export function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(String(quantity ?? ''));
  if (!match) return NaN;
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[match[2] ?? ''] ?? 1 / (1024 * 1024);
  return Number(match[1]) * factor;
}
