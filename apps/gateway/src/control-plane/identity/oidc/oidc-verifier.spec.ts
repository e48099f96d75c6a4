import { decodeJwt, decodeProtectedHeader, exportSPKI, importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, startOidcTestProvider, type OidcTestProvider } from '../../../../test/support/oidc-test-provider.js';
import { OidcVerifier, type OidcIssuerConfig, type OidcVerifierOptions } from './oidc-verifier.js';

const AUDIENCE = 'https://gateway.jitgate.test';
const OTHER_AUDIENCE = 'https://other-api.jitgate.test';
const TEAM_CLAIM = 'https://jitgate.dev/team'; // a namespaced claim: its name contains dots

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function configFor(issuer: string, overrides: Partial<OidcIssuerConfig> = {}): OidcIssuerConfig {
  return { issuer, audience: AUDIENCE, groupsClaim: 'groups', ...overrides };
}

function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return [header, Buffer.from(JSON.stringify(payload)).toString('base64url'), signature].join('.');
}

describe('OidcVerifier with a real oidc-provider', () => {
  let provider: OidcTestProvider;
  let verifier: OidcVerifier;

  beforeAll(async () => {
    provider = await startOidcTestProvider({
      resources: [AUDIENCE, OTHER_AUDIENCE],
      clients: [
        {
          clientId: 'ci-deployer',
          claims: { groups: ['deployers', 'readers'], email: 'ci@jitgate.test', realm_access: { roles: ['ops'] }, [TEAM_CLAIM]: 'platform' },
        },
        { clientId: 'single-group', claims: { groups: 'oncall' } },
        { clientId: 'odd-groups', claims: { groups: { admins: true } } },
        { clientId: 'mixed-groups', claims: { groups: ['a', 7, null, 'a', '', { b: 1 }, 'c'] } },
        { clientId: 'no-claims' },
        { clientId: 'short-lived', accessTokenTtlSeconds: 2 },
        { clientId: 'not-yet', claims: () => ({ nbf: Math.floor(Date.now() / 1000) + 3600 }) },
      ],
    });
    verifier = new OidcVerifier([configFor(provider.issuer, { kind: 'service', attributeClaims: ['client_id', TEAM_CLAIM, 'missing'] })]);
  });
  afterAll(() => provider.close());

  it('accepts a valid token, discovering the JWKS, and maps its claims', async () => {
    const token = await provider.issueToken('ci-deployer');
    const identity = await verifier.verify(token);
    expect(identity).toEqual({
      issuer: provider.issuer,
      subject: 'ci-deployer',
      displayName: 'ci@jitgate.test',
      kind: 'service',
      groups: ['deployers', 'readers'],
      attributes: { client_id: 'ci-deployer', [TEAM_CLAIM]: 'platform' },
      expiresAt: new Date((decodeJwt(token).exp ?? 0) * 1000),
    });
    expect(verifier.looksLikeJwt(token)).toBe(true);
  });

  it.each([
    ['single-group', ['oncall']],
    ['odd-groups', []],
    ['mixed-groups', ['a', 'c']],
    ['no-claims', []],
  ])('reads the groups of %s as %j without failing', async (clientId, groups) => {
    const identity = await verifier.verify(await provider.issueToken(clientId));
    expect(identity.groups).toEqual(groups);
    expect(identity.displayName).toBe(clientId); // no email claim: falls back to the subject
  });

  it('reads groups from a dotted path', async () => {
    const nested = new OidcVerifier([configFor(provider.issuer, { groupsClaim: 'realm_access.roles' })]);
    expect((await nested.verify(await provider.issueToken('ci-deployer'))).groups).toEqual(['ops']);
  });

  it('refuses a token issued for another audience, and accepts it where that audience is listed', async () => {
    const token = await provider.issueToken('ci-deployer', OTHER_AUDIENCE);
    await expectRefusal(verifier.verify(token), 'wrong_audience', token);
    const both = new OidcVerifier([configFor(provider.issuer, { audience: [AUDIENCE, OTHER_AUDIENCE] })]);
    await expect(both.verify(token)).resolves.toMatchObject({ subject: 'ci-deployer' });
  });

  it('refuses a token from an issuer that is not configured', async () => {
    const token = await provider.issueToken('ci-deployer');
    const elsewhere = new OidcVerifier([configFor('https://idp.example.test')]);
    await expectRefusal(elsewhere.verify(token), 'unknown_issuer', token);
  });

  it('refuses an expired token (2 s lifetime, no clock tolerance)', async () => {
    const strict = new OidcVerifier([configFor(provider.issuer, { clockToleranceSeconds: 0 })]);
    const token = await provider.issueToken('short-lived');
    // 2 s, not 1: exp is whole seconds, so a 1 s token can already be expired by the first check.
    await expect(strict.verify(token)).resolves.toMatchObject({ subject: 'short-lived' });
    await sleep((decodeJwt(token).exp ?? 0) * 1000 - Date.now() + 50);
    await expectRefusal(strict.verify(token), 'expired', token);
  });

  it('allows the clock tolerance past exp and no more (injected clock)', async () => {
    const token = await provider.issueToken('ci-deployer');
    const exp = (decodeJwt(token).exp ?? 0) * 1000;
    const at = (ms: number): OidcVerifierOptions => ({ now: () => new Date(ms) });
    await expect(new OidcVerifier([configFor(provider.issuer)], at(exp + 20_000)).verify(token)).resolves.toBeDefined();
    await expectRefusal(new OidcVerifier([configFor(provider.issuer)], at(exp + 40_000)).verify(token), 'expired', token);
  });

  it('refuses a token whose nbf is in the future', async () => {
    const token = await provider.issueToken('not-yet');
    await expectRefusal(verifier.verify(token), 'not_yet_valid', token);
  });

  it('refuses a tampered signature and a payload edited to add a group', async () => {
    const token = await provider.issueToken('single-group');
    const [header, payload, signature = ''] = token.split('.');
    // Change a character in the middle: the last one may only carry padding bits.
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const badSignature = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    await expectRefusal(verifier.verify(badSignature), 'bad_signature', badSignature);
    const escalated = withPayload(token, { ...decodeJwt(token), groups: ['admins'] });
    await expectRefusal(verifier.verify(escalated), 'bad_signature', escalated);
  });

  it('refuses alg none, and HS256 signed with the issuer public key as the HMAC secret', async () => {
    const token = await provider.issueToken('ci-deployer');
    const claims = { ...decodeJwt(token), groups: ['admins'] };
    const unsigned = new UnsecuredJWT(claims).encode();
    await expectRefusal(verifier.verify(unsigned), 'alg_not_allowed', unsigned);

    // The classic confusion attack: the public key is public, so anyone can fetch it over HTTP.
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: JWK[] };
    const [publicJwk] = jwks.keys;
    if (publicJwk === undefined) throw new Error('provider published no key');
    const publicKey = await importJWK(publicJwk, 'RS256', { extractable: true });
    if (publicKey instanceof Uint8Array) throw new Error('an RSA JWK imports as a CryptoKey');
    const pem = await exportSPKI(publicKey);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: decodeProtectedHeader(token).kid ?? '' }).sign(new TextEncoder().encode(pem));
    await expectRefusal(verifier.verify(forged), 'alg_not_allowed', forged);
  });

  it('refuses malformed input without calling the issuer', async () => {
    for (const token of ['', 'jg_live_abc', 'a.b.c', 'x'.repeat(40_000)]) {
      await expectRefusal(verifier.verify(token), 'invalid_token', token);
      expect(verifier.looksLikeJwt(token)).toBe(false);
    }
    expect(verifier.looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra.parts')).toBe(false);
  });
});

describe('OidcVerifier across key rotation', () => {
  let provider: OidcTestProvider;
  afterEach(() => provider.close());

  it('verifies tokens of a new key without a restart and stops verifying a removed key', async () => {
    provider = await startOidcTestProvider({ resources: [AUDIENCE], clients: [{ clientId: 'svc' }], alg: 'ES256' });
    // cooldownMs 0: an unknown kid refetches the JWKS at once (production waits 30 s between).
    const verifier = new OidcVerifier([configFor(provider.issuer)], { cooldownMs: 0 });
    const first = await provider.issueToken('svc');
    await verifier.verify(first);

    // Overlap: the new key signs, the old one is still published.
    const secondKid = await provider.rotateKey({ keepPrevious: true });
    const second = await provider.issueToken('svc');
    expect(decodeProtectedHeader(second).kid).toBe(secondKid);
    await expect(verifier.verify(second)).resolves.toMatchObject({ subject: 'svc' });
    await expect(verifier.verify(first)).resolves.toMatchObject({ subject: 'svc' });

    // The old keys are withdrawn: the first token carrying the new kid triggers the refetch that
    // also drops them.
    await provider.rotateKey();
    const third = await provider.issueToken('svc');
    await expect(verifier.verify(third)).resolves.toMatchObject({ subject: 'svc' });
    await expectRefusal(verifier.verify(first), 'unknown_key', first);
    await expectRefusal(verifier.verify(second), 'unknown_key', second);
  });

  it('stops trusting a withdrawn key after jwksMaxAgeMs even when no new kid shows up', async () => {
    // ES256: generating the new key must take far less than jwksMaxAgeMs (RSA can take 100s of ms).
    provider = await startOidcTestProvider({ resources: [AUDIENCE], clients: [{ clientId: 'svc' }], alg: 'ES256' });
    const verifier = new OidcVerifier([configFor(provider.issuer)], { jwksMaxAgeMs: 500 });
    const token = await provider.issueToken('svc');
    await verifier.verify(token);
    await provider.rotateKey();
    await expect(verifier.verify(token)).resolves.toBeDefined(); // still cached
    await sleep(550);
    await expectRefusal(verifier.verify(token), 'unknown_key', token);
  });

  it('reports jwks_unavailable while the issuer is down and recovers when it is back', async () => {
    provider = await startOidcTestProvider({ resources: [AUDIENCE], clients: [{ clientId: 'svc' }] });
    const token = await provider.issueToken('svc');
    await provider.stop();
    const options = { cooldownMs: 500, fetchTimeoutMs: 1_000 };
    const discovering = new OidcVerifier([configFor(provider.issuer)], options);
    const direct = new OidcVerifier([configFor(provider.issuer, { jwksUri: `${provider.issuer}/jwks` })], options);
    await expectRefusal(discovering.verify(token), 'jwks_unavailable', token);
    await expectRefusal(direct.verify(token), 'jwks_unavailable', token);
    await provider.start();
    // A failed JWKS fetch is not remembered (jose retries on the next request) ...
    await expect(direct.verify(token)).resolves.toMatchObject({ subject: 'svc' });
    // ... but a failed discovery is, for the cooldown, so the issuer is not asked on every request.
    await expectRefusal(discovering.verify(token), 'jwks_unavailable', token);
    await sleep(550);
    await expect(discovering.verify(token)).resolves.toMatchObject({ subject: 'svc' });
  });
});
