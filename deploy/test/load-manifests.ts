// Reads deploy/kubernetes/base: every YAML document of every manifest the kustomization lists, each
// with the file it came from.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(DEPLOY_DIR, '..');
export const KUBERNETES_DIR = path.join(DEPLOY_DIR, 'kubernetes', 'base');

export interface Kustomization {
  apiVersion: string;
  kind: string;
  namespace?: string;
  resources: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface LoadedObject {
  file: string;
  object: K8sObject;
}

export function parseYamlFile(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  return documents.map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    return document.toJS() as unknown;
  });
}

export function loadKustomization(): Kustomization {
  const [doc] = parseYamlFile(path.join(KUBERNETES_DIR, 'kustomization.yaml'));
  return doc as Kustomization;
}

export function loadManifests(): LoadedObject[] {
  return loadKustomization().resources.flatMap((resource) => {
    const file = path.join(KUBERNETES_DIR, resource);
    return parseYamlFile(file)
      .filter((doc) => doc !== null)
      .map((doc) => ({ file: resource, object: doc as K8sObject }));
  });
}
