// The OpenAPI document the gateway serves at /openapi.json, and what the suites check it with:
// the OpenAPI 3.0 Schema Object rules, and lookups of an operation and its JSON body schema.
import { expect } from 'vitest';
import type { TestGateway } from './gateway-harness.js';

export type Json = Record<string, any>;
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The keywords of an OpenAPI 3.0 Schema Object (3.0.3 §4.7.24); anything else is invalid there. */
const SCHEMA_KEYWORDS = new Set([
  'title',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'type',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'items',
  'properties',
  'additionalProperties',
  'description',
  'format',
  'default',
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'xml',
  'externalDocs',
  'example',
  'deprecated',
  '$ref',
]);
const SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/** Problems that make `schema` invalid as an OpenAPI 3.0 Schema Object. */
export function schemaProblems(schema: unknown, where: string, out: string[] = []): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    out.push(`${where}: not an object`);
    return out;
  }
  const s = schema as Json;
  for (const key of Object.keys(s)) if (!SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-')) out.push(`${where}: "${key}" is not an OpenAPI 3.0 keyword`);
  if (s.type !== undefined && !SCHEMA_TYPES.has(s.type)) out.push(`${where}: type ${JSON.stringify(s.type)}`);
  if (s.type === 'array' && s.items === undefined) out.push(`${where}: array without items`);
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum', 'nullable', 'uniqueItems', 'readOnly', 'writeOnly', 'deprecated']) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') out.push(`${where}: ${key} must be a boolean in 3.0`);
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.length === 0) out.push(`${where}: required must be a non-empty array`);
    else for (const name of s.required) if (!s.properties || !(name in s.properties)) out.push(`${where}: required "${name}" has no property`);
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) out.push(`${where}: enum must be a non-empty array`);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern as string);
    } catch {
      out.push(`${where}: pattern does not compile`);
    }
  }
  for (const key of ['allOf', 'oneOf', 'anyOf']) (s[key] as unknown[] | undefined)?.forEach((sub, i) => void schemaProblems(sub, `${where}.${key}[${i}]`, out));
  if (s.not !== undefined) schemaProblems(s.not, `${where}.not`, out);
  if (s.items !== undefined) schemaProblems(s.items, `${where}.items`, out);
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Json)) schemaProblems(sub, `${where}.properties.${name}`, out);
  if (typeof s.additionalProperties === 'object') schemaProblems(s.additionalProperties, `${where}.additionalProperties`, out);
  return out;
}

/** GET /openapi.json without a token: a 200 with a JSON body. */
export async function fetchOpenApiDocument(gw: TestGateway): Promise<Json> {
  const res = await gw.api.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.body as Json;
}

/** Lookups in the document `doc()` returns (fetched in a beforeAll), asserting what they find is there. */
export function openApiLookups(doc: () => Json) {
  const operation = (path: string, method: string): Json => {
    const op = doc().paths?.[path]?.[method] as Json | undefined;
    expect(op, `${method.toUpperCase()} ${path} is documented`).toBeDefined();
    return op as Json;
  };
  const bodySchema = (path: string, method: string): Json => {
    const body = operation(path, method).requestBody as Json | undefined;
    expect(body, `${method.toUpperCase()} ${path} documents its body`).toBeDefined();
    return body?.content?.['application/json']?.schema as Json;
  };
  return { operation, bodySchema };
}
