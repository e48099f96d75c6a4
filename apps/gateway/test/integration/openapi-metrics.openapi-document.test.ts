// The OpenAPI document, through HTTP: a complete, structurally valid OpenAPI 3.0 document, served
// without a token, that documents every route the gateway serves and only those, with bearer
// authentication on every /v1 operation. The schema rules: test/support/openapi-document.ts.
// The set-up every openapi-metrics file shares: test/support/openapi-metrics-suite.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchOpenApiDocument, HTTP_METHODS, openApiLookups, schemaProblems, type Json } from '../support/openapi-document.js';
import { useOpenApiMetricsSuite } from '../support/openapi-metrics-suite.js';

describe('OpenAPI, metrics, health and request ids', () => {
  const suite = useOpenApiMetricsSuite();

  describe('GET /openapi.json', () => {
    let doc: Json;
    const { operation } = openApiLookups(() => doc);

    beforeAll(async () => {
      doc = await fetchOpenApiDocument(suite.gw);
    });

    it('is an OpenAPI 3.0 document, served without a token', async () => {
      expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(Object.keys(doc.paths).length).toBeGreaterThan(15);
      // The same document behind the Swagger UI.
      expect((await suite.gw.api.get('/docs/openapi.json')).body).toEqual(doc);
    });

    it('documents every route of the API, and only routes that exist', async () => {
      const expected: Record<string, string[]> = {
        '/healthz': ['get'],
        '/readyz': ['get'],
        '/v1/identities': ['get', 'post'],
        '/v1/identities/me': ['get'],
        '/v1/identities/{id}': ['get', 'patch'],
        '/v1/identities/{id}/tokens': ['get', 'post'],
        '/v1/identities/{id}/tokens/{tokenId}/revoke': ['post'],
        '/v1/connections': ['get', 'post'],
        '/v1/connections/{id}': ['get', 'patch', 'delete'],
        '/v1/policies': ['get', 'post'],
        '/v1/policies/{id}': ['get', 'put', 'delete'],
        '/v1/access-requests': ['get', 'post'],
        '/v1/access-requests/{id}': ['get'],
        '/v1/access-requests/{id}/approve': ['post'],
        '/v1/access-requests/{id}/deny': ['post'],
        '/v1/access-requests/{id}/cancel': ['post'],
        '/v1/grants': ['get'],
        '/v1/grants/check': ['get'],
        '/v1/grants/{id}': ['get'],
        '/v1/grants/{id}/revoke': ['post'],
        '/v1/grants/{id}/release': ['post'],
        '/v1/audit': ['get'],
        '/v1/audit/verify': ['get'],
      };
      for (const [path, methods] of Object.entries(expected)) {
        for (const method of methods) operation(path, method);
      }

      // Every route the application actually serves is documented (bar the document itself,
      // its UI and the Prometheus endpoint)...
      const router = (suite.gw.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
      const served = router.stack
        .filter((layer) => layer.route)
        .flatMap((layer) =>
          Object.keys(layer.route!.methods)
            .filter((m) => m !== '_all')
            .map((method) => [method, layer.route!.path.replace(/:(\w+)/g, '{$1}')] as const),
        )
        // Nest's own catch-all answers unknown routes with the 404.
        .filter(([, path]) => path !== '/openapi.json' && path !== '/metrics' && !path.startsWith('/docs') && !path.includes('*'));
      expect(served.length).toBeGreaterThan(25);
      for (const [method, path] of served) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is served but not documented`).toBeDefined();

      // ... and every documented operation is served: without a token it is a 401, never a 404.
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
        for (const method of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) {
          const concrete = path.replace(/\{[^}]+\}/g, '6f1c2f3e-5a4b-4c3d-9e8f-7a6b5c4d3e2f');
          const res = await suite.gw.api.request(method.toUpperCase(), concrete, ['post', 'put', 'patch'].includes(method) ? {} : undefined);
          expect(res.status, `${method.toUpperCase()} ${path}`).toBe(item[method].security ? 401 : 200);
        }
      }
    });

    it('is structurally valid: operations, path parameters, schemas, security references', () => {
      const problems: string[] = [];
      const operationIds = new Set<string>();
      const schemes = Object.keys((doc.components?.securitySchemes ?? {}) as Json);
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
        if (!path.startsWith('/')) problems.push(`${path}: must start with /`);
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
        for (const [method, op] of Object.entries(item)) {
          const where = `${method.toUpperCase()} ${path}`;
          if (!HTTP_METHODS.includes(method)) {
            if (method !== 'parameters' && method !== 'summary' && method !== 'description') problems.push(`${where}: unknown key`);
            continue;
          }
          if (typeof op.operationId === 'string') {
            if (operationIds.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
            operationIds.add(op.operationId);
          }
          if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
          for (const [status, response] of Object.entries((op.responses ?? {}) as Json)) {
            if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
            if (typeof response.description !== 'string') problems.push(`${where}: response ${status} has no description`);
          }
          const parameters = (op.parameters ?? []) as Json[];
          for (const name of templated) {
            const declared = parameters.find((p) => p.in === 'path' && p.name === name);
            if (declared?.required !== true) problems.push(`${where}: path parameter {${name}} not declared as required`);
          }
          const seen = new Set<string>();
          for (const parameter of parameters) {
            if (!['path', 'query', 'header', 'cookie'].includes(parameter.in)) problems.push(`${where}: parameter ${parameter.name} in ${parameter.in}`);
            if (parameter.in === 'path' && !templated.includes(parameter.name)) problems.push(`${where}: path parameter ${parameter.name} not in the path`);
            if (seen.has(`${parameter.in}:${parameter.name}`)) problems.push(`${where}: parameter ${parameter.name} twice`);
            seen.add(`${parameter.in}:${parameter.name}`);
            if (parameter.schema) schemaProblems(parameter.schema, `${where} parameter ${parameter.name}`, problems);
          }
          if (op.requestBody) {
            const content = (op.requestBody.content ?? {}) as Json;
            if (Object.keys(content).length === 0) problems.push(`${where}: requestBody without content`);
            for (const [type, media] of Object.entries(content)) schemaProblems(media.schema, `${where} body ${type}`, problems);
          }
          for (const requirement of (op.security ?? []) as Json[]) {
            for (const name of Object.keys(requirement)) if (!schemes.includes(name)) problems.push(`${where}: security scheme ${name} is not declared`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('declares bearer authentication, and requires it on every /v1 operation but not on the probes', () => {
      const schemes = doc.components.securitySchemes as Record<string, Json>;
      const bearer = Object.entries(schemes).filter(([, scheme]) => scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer');
      expect(bearer).toHaveLength(1);
      const [name] = bearer[0] as [string, Json];
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
        for (const [method, op] of Object.entries(item).filter(([m]) => HTTP_METHODS.includes(m))) {
          if (path.startsWith('/v1/')) expect(op.security, `${method} ${path}`).toEqual([{ [name]: [] }]);
          else expect(op.security ?? [], `${method} ${path}`).toEqual([]);
        }
      }
    });
  });
});
