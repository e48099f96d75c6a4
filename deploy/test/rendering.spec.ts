// Every overlay renders with kubectl kustomize, and every object it renders is valid against the
// Kubernetes schema (kubernetes-models), namespaced, labelled, pinned, and free of secret values.
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import type { INamespace } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { MODELS, allContainers, find, workloads } from './k8s.js';
import { OVERLAYS, rendered } from './render.js';

describe.each(OVERLAYS)('overlays/%s', (overlay) => {
  const objects = () => rendered(overlay);

  it('renders with kubectl kustomize', () => {
    expect(objects().length).toBeGreaterThan(0);
  });

  it('renders only objects valid against the Kubernetes schema', () => {
    for (const object of objects()) {
      const model = MODELS[`${object.apiVersion}/${object.kind}`];
      const id = `${object.kind}/${object.metadata.name}`;
      expect(model, `no schema registered for ${object.apiVersion}/${object.kind}`).toBeDefined();
      expect(() => model?.(object).validate(), id).not.toThrow();
    }
  });

  it('puts everything in the jitgate namespace, once, labelled', () => {
    const keys = objects().map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const object of objects()) {
      if (object.kind === 'Namespace') continue;
      const id = `${object.kind}/${object.metadata.name}`;
      expect(object.metadata.namespace, id).toBe('jitgate');
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], id).toBe('jitgate');
      expect(object.metadata.labels?.['app.kubernetes.io/name'], id).toMatch(/^jitgate-/);
    }
  });

  it('creates the namespace with the restricted Pod Security profile enforced', () => {
    const namespace = find<INamespace>(objects(), 'Namespace', 'jitgate');
    expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('uses pinned images (a tag or a digest, never :latest): one gateway image, one agent image', () => {
    const images = workloads(objects()).flatMap((w) => allContainers(w.pod).map((c) => c.image ?? ''));
    for (const image of images) {
      expect(image).toMatch(/^[a-z0-9./-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(new Set(images).size).toBe(2);
  });

  it('holds no secret value: secrets come from Secret references or mounted files', () => {
    expect(objects().filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const workload of workloads(objects())) {
      for (const container of allContainers(workload.pod)) {
        for (const variable of container.env ?? []) {
          if (/URL$|TOKEN$|PASSWORD|SECRET|_KEY$/.test(variable.name) && variable.value !== undefined) {
            expect(variable.value, `${workload.name}: ${variable.name}`).toMatch(/^\//);
          }
        }
      }
    }
  });
});

describe('the schema check', () => {
  it('does catch a broken object', () => {
    const gateway = workloads(rendered('all-in-one'), ['Deployment'])[0]?.object;
    const broken = structuredClone(gateway) as unknown as IDeployment;
    (broken.spec?.template.spec?.containers[0]?.ports?.[0] as { containerPort: unknown }).containerPort = 'eighty';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });
});
