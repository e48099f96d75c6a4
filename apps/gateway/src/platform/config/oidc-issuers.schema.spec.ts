import { describe, expect, it } from 'vitest';
import { oidcIssuersSchema, type OidcIssuerConfig } from './oidc-issuers.schema.js';

const valid: OidcIssuerConfig = {
  issuer: 'https://idp.example.test/realms/main',
  audience: ['jitgate', 'https://gateway.example.test'],
  groupsClaim: 'realm_access.roles',
  kind: 'human',
  attributeClaims: ['email', 'department'],
  algorithms: ['RS256', 'ES256'],
  clockToleranceSeconds: 10,
};

describe('oidcIssuersSchema', () => {
  it('accepts a full and a minimal issuer as given, without adding defaults', () => {
    const minimal = { issuer: 'https://token.actions.githubusercontent.com', audience: 'jitgate', groupsClaim: 'repository_owner' };
    expect(oidcIssuersSchema.parse([valid, minimal])).toEqual([valid, minimal]);
    expect(oidcIssuersSchema.parse([])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a symmetric algorithm', { algorithms: ['HS256'] }],
    ['alg none', { algorithms: ['none'] }],
    ['an empty algorithm list', { algorithms: [] }],
    ['a misspelt key', { audiences: ['jitgate'] }],
    ['an empty audience', { audience: '' }],
    ['an empty audience list', { audience: [] }],
    ['an issuer that is not an http(s) URL', { issuer: 'idp.example.test' }],
    ['a jwksUri that is not a URL', { jwksUri: 'file:///etc/jwks.json' }],
    ['an empty path segment', { groupsClaim: 'realm_access..roles' }],
    ['a prototype path segment', { groupsClaim: 'groups.__proto__' }],
    ['an unknown kind', { kind: 'robot' }],
    ['a fractional tolerance', { clockToleranceSeconds: 1.5 }],
    ['a tolerance above 5 minutes', { clockToleranceSeconds: 301 }],
  ])('refuses %s', (_case, override) => {
    expect(oidcIssuersSchema.safeParse([{ ...valid, ...override }]).success).toBe(false);
  });

  it('refuses the same issuer twice', () => {
    const result = oidcIssuersSchema.safeParse([valid, { ...valid, audience: 'other' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('duplicate issuer');
  });
});
