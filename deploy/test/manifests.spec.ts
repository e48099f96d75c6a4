// deploy/kubernetes: every object is valid against the Kubernetes schema (kubernetes-models),
// listed by the kustomization, labelled, pinned, and free of secret values. The gateway's and
// the agent's own properties: gateway-manifest.spec.ts, agent-manifest.spec.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { describe, expect, it } from 'vitest';
import { KUBERNETES_DIR, type K8sObject } from './load-manifests.js';
import { MODELS, find, kustomization, manifests, podSpecOf } from './manifest-helpers.js';

describe('every manifest', () => {
  it('is listed by kustomization.yaml, and every listed file exists', () => {
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'jitgate' });
    for (const resource of kustomization.resources) expect(existsSync(path.join(KUBERNETES_DIR, resource)), resource).toBe(true);
    const yamlFiles = ['agent.yaml', 'gateway.yaml', 'namespace.yaml'];
    expect([...kustomization.resources].sort()).toEqual(yamlFiles);
  });

  it.each(manifests.map(({ file, object }) => [`${file}: ${object.kind}/${object.metadata?.name}`, object] as const))('%s is valid against the Kubernetes schema', (_, object) => {
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(model, `no schema registered for ${object.apiVersion}/${object.kind}`).toBeDefined();
    expect(() => model?.(object).validate()).not.toThrow();
  });

  it('the schema check does catch a broken object', () => {
    const broken = structuredClone(find<K8sObject>('Deployment', 'jitgate-gateway')) as unknown as IDeployment;
    (broken.spec?.template.spec?.containers[0]?.ports?.[0] as { containerPort: unknown }).containerPort = 'eighty';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });

  it('has unique kind/name pairs and the jitgate labels', () => {
    const keys = manifests.map(({ object }) => `${object.kind}/${object.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const { object } of manifests.filter(({ object }) => object.kind !== 'Namespace')) {
      expect(object.metadata.labels?.['app.kubernetes.io/name'], `${object.kind}/${object.metadata.name}`).toMatch(/^jitgate-/);
    }
  });

  it('uses pinned images (a tag or a digest, never :latest) that kustomization.yaml also names', () => {
    const images = manifests.flatMap(({ object }) => {
      const pod = podSpecOf(object);
      return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c) => c.image ?? '');
    });
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) {
      expect(image).toMatch(/^[a-z0-9./-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
      expect(image).not.toMatch(/:latest$/);
    }
    const named = new Set(kustomization.images?.map((i) => i.name));
    for (const image of images) expect(named.has(image.split(/[:@]/)[0] as string), image).toBe(true);
    for (const entry of kustomization.images ?? []) expect(entry.newTag ?? entry.digest).not.toBe('latest');
  });

  it('never puts a secret value in a manifest: secrets come from Secret references', () => {
    for (const { object } of manifests) {
      const pod = podSpecOf(object);
      for (const container of pod?.containers ?? []) {
        for (const variable of container.env ?? []) {
          if (/URL$|TOKEN$|PASSWORD|SECRET|_KEY$/.test(variable.name) && variable.value !== undefined) {
            // Paths to mounted files are fine; values are not.
            expect(variable.value, variable.name).toMatch(/^\//);
          }
        }
      }
    }
    expect(manifests.some(({ object }) => object.kind === 'Secret')).toBe(false);
  });

  it('renders with kubectl kustomize when kubectl is installed', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0) {
      console.warn('kubectl not found: skipped rendering deploy/kubernetes with kubectl kustomize');
      return;
    }
    const rendered = execFileSync('kubectl', ['kustomize', KUBERNETES_DIR], { encoding: 'utf8' });
    expect(rendered).toMatch(/namespace: jitgate/);
    expect(rendered).not.toMatch(/image: .*:latest/);
  });
});

describe('namespace.yaml', () => {
  it('enforces the restricted Pod Security profile', () => {
    const namespace = find<K8sObject>('Namespace', 'jitgate');
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
