import { describe, expect, it } from 'vitest';
import type { OidcIssuerConfig } from '../../../platform/config/oidc-issuers.schema.js';
import { OidcVerifier } from './oidc-verifier.js';

const valid: OidcIssuerConfig = {
  issuer: 'https://idp.example.test/realms/main',
  audience: ['jitgate', 'https://gateway.example.test'],
  groupsClaim: 'realm_access.roles',
  kind: 'human',
  attributeClaims: ['email', 'department'],
  algorithms: ['RS256', 'ES256'],
  clockToleranceSeconds: 10,
};

describe('OidcVerifier construction', () => {
  it('refuses a configuration the schema refuses, even when the type allows it', () => {
    expect(() => new OidcVerifier([{ ...valid, algorithms: ['HS256'] }])).toThrow(/invalid OIDC issuer configuration/);
    expect(() => new OidcVerifier([valid, valid])).toThrow(/duplicate issuer/);
  });
});
