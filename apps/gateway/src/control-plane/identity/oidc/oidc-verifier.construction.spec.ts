import { describe, expect, it } from 'vitest';
import type { OidcIssuerConfig } from '../../../platform/config/oidc-issuers.schema.js';
import { OidcVerifier } from './oidc-verifier.js';

const issuer: OidcIssuerConfig = { issuer: 'https://token.actions.githubusercontent.com', audience: 'jitgate', groupsClaim: 'repository_owner' };

describe('OidcVerifier construction', () => {
  it('refuses a configuration the schema refuses, even when the type allows it', () => {
    expect(() => new OidcVerifier([{ ...issuer, algorithms: ['HS256'] }])).toThrow(/invalid OIDC issuer configuration/);
    expect(() => new OidcVerifier([issuer, issuer])).toThrow(/duplicate issuer/);
  });
});
