// The OpenAPI document, through HTTP: request bodies and query parameters are documented from the
// same zod schemas that validate them, strict (unknown fields refused) everywhere.
// The set-up every openapi-metrics file shares: test/support/openapi-metrics-suite.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessRequestBody } from '@jitgate/contracts';
import { decisionBody } from '../../src/control-plane/access-request/access-request.schemas.js';
import { openApiSchema } from '../../src/platform/http/zod-validation.js';
import { createConnectionBody, updateConnectionBody } from '../../src/control-plane/connection/connection.schemas.js';
import { endGrantBody } from '../../src/control-plane/grant/grant.schemas.js';
import { createIdentityBody, issueTokenBody, updateIdentityBody } from '../../src/control-plane/identity/identity.schemas.js';
import { createPolicyBody, replacePolicyBody } from '../../src/control-plane/policy/policy.schemas.js';
import { fetchOpenApiDocument, openApiLookups, type Json } from '../support/openapi-document.js';
import { useOpenApiMetricsSuite } from '../support/openapi-metrics-suite.js';

describe('OpenAPI, metrics, health and request ids', () => {
  const suite = useOpenApiMetricsSuite();

  describe('GET /openapi.json', () => {
    let doc: Json;
    const { operation, bodySchema } = openApiLookups(() => doc);

    beforeAll(async () => {
      doc = await fetchOpenApiDocument(suite.gw);
    });

    it('documents each body with the zod schema that validates it', () => {
      const bodies: Array<[string, string, Parameters<typeof openApiSchema>[0]]> = [
        ['/v1/identities', 'post', createIdentityBody],
        ['/v1/identities/{id}', 'patch', updateIdentityBody],
        ['/v1/identities/{id}/tokens', 'post', issueTokenBody],
        ['/v1/connections', 'post', createConnectionBody],
        ['/v1/connections/{id}', 'patch', updateConnectionBody],
        ['/v1/policies', 'post', createPolicyBody],
        ['/v1/policies/{id}', 'put', replacePolicyBody],
        ['/v1/access-requests', 'post', createAccessRequestBody],
        ['/v1/access-requests/{id}/approve', 'post', decisionBody],
        ['/v1/access-requests/{id}/deny', 'post', decisionBody],
        ['/v1/grants/{id}/revoke', 'post', endGrantBody],
        ['/v1/grants/{id}/release', 'post', endGrantBody],
      ];
      for (const [path, method, schema] of bodies) {
        expect(bodySchema(path, method), `${method} ${path}`).toEqual(openApiSchema(schema));
      }
      // Spelled out for the one every client uses.
      const request = bodySchema('/v1/access-requests', 'post');
      expect(request.type).toBe('object');
      expect([...(request.required as string[])].sort()).toEqual(['connection', 'duration', 'reason']);
      expect(request.additionalProperties).toBe(false);
      expect(Object.keys(request.properties).sort()).toEqual(['connection', 'duration', 'reason', 'scope', 'startAt']);
      expect(request.properties.duration.anyOf.map((s: Json) => s.type)).toEqual(['string', 'integer']);
      expect(request.properties.reason).toMatchObject({ type: 'string', minLength: 1, maxLength: 1000 });
      expect(request.properties.startAt).toMatchObject({ type: 'string', format: 'date-time' });
      // Strict everywhere: every object in every body refuses unknown fields.
      const connection = bodySchema('/v1/connections', 'post');
      expect(connection.oneOf.length).toBeGreaterThanOrEqual(7);
      for (const variant of connection.oneOf as Json[]) {
        expect(variant.additionalProperties).toBe(false);
        expect(variant.properties.settings.additionalProperties).toBe(false);
        expect(variant.properties.type.enum).toHaveLength(1);
      }
      for (const [path, method] of bodies) {
        const schema = bodySchema(path, method);
        if (!schema.oneOf) expect(schema.additionalProperties, `${method} ${path}`).toBe(false);
      }
    });

    it('documents query parameters from their zod schemas', () => {
      const names = (path: string) => (operation(path, 'get').parameters as Json[]).filter((p) => p.in === 'query');
      const audit = names('/v1/audit');
      expect(audit.map((p) => p.name).sort()).toEqual(['action', 'actor', 'after', 'from', 'limit', 'target', 'targetType', 'to']);
      expect(audit.find((p) => p.name === 'action')?.schema.enum).toContain('grant.revoked');
      expect(audit.find((p) => p.name === 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
      expect(audit.every((p) => p.required === false)).toBe(true);
      const check = names('/v1/grants/check');
      expect(check.find((p) => p.name === 'connection')).toMatchObject({ required: true });
      expect(check.find((p) => p.name === 'identity')).toMatchObject({ required: false });
      expect(
        names('/v1/access-requests')
          .map((p) => p.name)
          .sort(),
      ).toEqual(['after', 'connection', 'limit', 'status', 'view']);
    });
  });
});
