// Renders deploy/kubernetes with `kubectl kustomize`, the way `kubectl apply -k` will, and hands
// the specs the objects it produced. No kubectl means no test: a render that cannot run fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(DEPLOY_DIR, '..');
export const KUBERNETES_DIR = path.join(DEPLOY_DIR, 'kubernetes');

/** The overlays an operator applies (deploy/README.md). */
export const OVERLAYS = ['all-in-one', 'split', 'tls'] as const;
export type OverlayName = (typeof OVERLAYS)[number];

export const overlayDir = (name: OverlayName): string => path.join(KUBERNETES_DIR, 'overlays', name);

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export function renderKustomization(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run kubectl kustomize (${result.error.message}): kubectl is required to test deploy/`);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${path.relative(REPO_ROOT, dir) || dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).flatMap((document) => {
    if (document.errors.length) throw new Error(`kubectl kustomize ${dir}: ${document.errors.map((e) => e.message).join('; ')}`);
    const object = document.toJS() as K8sObject | null;
    return object ? [object] : [];
  });
}

const renders = new Map<OverlayName, K8sObject[]>();

/** The rendered overlay, rendered once per test file. */
export function rendered(name: OverlayName): K8sObject[] {
  let objects = renders.get(name);
  if (!objects) {
    objects = renderKustomization(overlayDir(name));
    renders.set(name, objects);
  }
  return objects;
}

/**
 * Renders a kustomization written on the fly, as an operator's own overlay would be: `files` are
 * written into a fresh directory (kustomization.yaml among them); paths inside it that should
 * point into the repository use `${KUBERNETES_DIR}`, replaced by the relative path.
 */
export function renderOwnOverlay(files: Record<string, string>): K8sObject[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'jitgate-deploy-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), text.replaceAll('${KUBERNETES_DIR}', path.relative(dir, KUBERNETES_DIR)));
    }
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
