import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { expectRefusal, generateSigningKey, startStaticTestIssuer, type StaticTestIssuer } from '../../../../test/support/oidc-test-provider.js';
import { OidcVerifier, type OidcIssuerConfig } from './oidc-verifier.js';

// Cases a real provider will not produce (no exp, no sub, nbf, several keys without kid, a lying
// discovery document), signed by hand with keys published by a static JWKS server.

const AUDIENCE = 'https://gateway.jitgate.test';

function configFor(issuer: string, overrides: Partial<OidcIssuerConfig> = {}): OidcIssuerConfig {
  return { issuer, audience: AUDIENCE, groupsClaim: 'groups', ...overrides };
}

describe('OidcVerifier with hand-signed tokens and a static JWKS', () => {
  const issuers: StaticTestIssuer[] = [];
  afterAll(() => Promise.all(issuers.map((issuer) => issuer.close())));

  async function staticIssuer(keys: JWK[], discoveryIssuer?: string) {
    const issuer = await startStaticTestIssuer(keys, { discoveryIssuer });
    issuers.push(issuer);
    return issuer;
  }

  async function sign(privateJwk: JWK, claims: Record<string, unknown>, header: { kid?: string } = {}) {
    const key = await importJWK(privateJwk, privateJwk.alg);
    return new SignJWT(claims).setProtectedHeader({ alg: privateJwk.alg ?? '', ...header }).sign(key);
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('uses a configured jwksUri and checks nbf, exp presence and the subject', async () => {
    const { privateJwk, publicJwk } = await generateSigningKey('ES256');
    const idp = await staticIssuer([publicJwk]);
    // An issuer value that has no discovery document proves the configured jwksUri is used.
    const issuer = 'https://static.idp.test';
    const verifier = new OidcVerifier([configFor(issuer, { jwksUri: idp.jwksUri })]);
    const base = { iss: issuer, aud: AUDIENCE, sub: 'alice', iat: now(), exp: now() + 600 };
    const kid = { kid: publicJwk.kid };

    await expect(verifier.verify(await sign(privateJwk, base, kid))).resolves.toMatchObject({ subject: 'alice', kind: 'human' });
    const future = await sign(privateJwk, { ...base, nbf: now() + 600 }, kid);
    await expectRefusal(verifier.verify(future), 'not_yet_valid', future);
    const { exp: _exp, ...withoutExp } = base;
    const eternal = await sign(privateJwk, withoutExp, kid);
    await expectRefusal(verifier.verify(eternal), 'invalid_token', eternal);
    const { sub: _sub, ...withoutSub } = base;
    const anonymous = await sign(privateJwk, withoutSub, kid);
    await expectRefusal(verifier.verify(anonymous), 'invalid_token', anonymous);
  });

  it('tries every published key when a token carries no kid', async () => {
    const [a, b, stranger] = await Promise.all([1, 2, 3].map(() => generateSigningKey('ES256')));
    if (!a || !b || !stranger) throw new Error('key generation failed');
    const idp = await staticIssuer([a.publicJwk, b.publicJwk]);
    const verifier = new OidcVerifier([configFor(idp.issuer)]);
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: 'bob', exp: now() + 600 };
    await expect(verifier.verify(await sign(b.privateJwk, claims))).resolves.toMatchObject({ subject: 'bob' });
    const foreign = await sign(stranger.privateJwk, claims);
    await expectRefusal(verifier.verify(foreign), 'bad_signature', foreign);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const { privateJwk, publicJwk } = await generateSigningKey('ES256');
    const idp = await staticIssuer([publicJwk], 'https://impostor.idp.test');
    const verifier = new OidcVerifier([configFor(idp.issuer)]);
    const token = await sign(privateJwk, { iss: idp.issuer, aud: AUDIENCE, sub: 'eve', exp: now() + 600 });
    await expectRefusal(verifier.verify(token), 'jwks_unavailable', token);
  });
});
