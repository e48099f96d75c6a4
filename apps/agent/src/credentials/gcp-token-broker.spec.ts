// GcpTokenBroker with the real google-auth-library and @google-cloud/iam-credentials clients
// against the local Google stand-ins, which refuse what Google would refuse.
import { createVerify } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_SA, AGENT_SA, BIGQUERY_READONLY, CLOUD_PLATFORM, DEEP_SA, HOP_SA, READER_SA, startBrokerHarness, type BrokerHarness } from '../../test/support/gcp-broker-harness.js';
import { CredentialError } from './credential-error.js';
import { MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from './gcp-token-broker.js';
import { SecretValue } from './secret-value.js';

let h: BrokerHarness;
beforeAll(async () => {
  h = await startBrokerHarness();
});
afterAll(async () => {
  await h?.close();
});

const iamCalls = () => h.google.iam.calls;
let callsBefore = 0;
beforeEach(() => {
  callsBefore = iamCalls().length;
});
const newCalls = () => iamCalls().slice(callsBefore);

async function refusal(promise: Promise<unknown>): Promise<CredentialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialError);
  return error as CredentialError;
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('access tokens for a service account (gcp-sa:)', () => {
  it('asks for a lifetime no longer than what remains of the grant (90 s → 90 s, rounded down)', async () => {
    const broker = h.freshBroker();
    const grantEnd = h.clock.now() + 90_700;
    const token = await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: grantEnd });
    expect(token.source).toBe('minted');
    expect(token.value.reveal()).toBe(h.google.iam.accessTokenFor(READER_SA, [CLOUD_PLATFORM]));
    expect(token.expiresAtUnixMs).toBeLessThanOrEqual(grantEnd);
    const [call] = newCalls();
    expect(call).toMatchObject({
      method: 'GenerateAccessToken',
      caller: AGENT_SA,
      name: `projects/-/serviceAccounts/${READER_SA}`,
      scope: [CLOUD_PLATFORM],
      lifetimeSeconds: 90,
      outcome: 'OK',
    });
  });

  it('caps the lifetime at 3600 s for longer grants', async () => {
    await h.freshBroker().accessToken({ account: READER_SA, grantExpiresAtUnixMs: h.clock.now() + 8 * 3_600_000 });
    expect(newCalls()[0]?.lifetimeSeconds).toBe(MAX_ACCESS_TOKEN_LIFETIME_SECONDS);
  });

  it('reuses a token for a second session of the same grant window, without a second IAM call', async () => {
    const broker = h.freshBroker();
    const grantEnd = h.clock.now() + 600_000;
    const first = await broker.accessToken({ account: READER_SA, scopes: [BIGQUERY_READONLY], grantExpiresAtUnixMs: grantEnd });
    h.clock.advance(30_000);
    const second = await broker.accessToken({ account: READER_SA, scopes: [BIGQUERY_READONLY], grantExpiresAtUnixMs: grantEnd });
    expect(second).toMatchObject({ source: 'cache', expiresAtUnixMs: first.expiresAtUnixMs });
    expect(second.value.reveal()).toBe(first.value.reveal());
    expect(newCalls()).toHaveLength(1);
  });

  it('mints afresh, bounded by the shorter grant, when the cached token would outlive it', async () => {
    const broker = h.freshBroker();
    const now = h.clock.now();
    const long = await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: now + 600_000 });
    const short = await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: now + 120_000 });
    expect(short.source).toBe('minted');
    expect(short.expiresAtUnixMs).toBeLessThanOrEqual(now + 120_000);
    expect(newCalls().map((c) => c.lifetimeSeconds)).toEqual([600, 120]);
    // A grant that ends later than a cached token may use it: it expires first.
    const longer = await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: now + 900_000 });
    expect(longer).toMatchObject({ source: 'cache', expiresAtUnixMs: long.expiresAtUnixMs });
    expect(newCalls()).toHaveLength(2);
  });

  it('does not hand out a cached token with less than a minute left to a grant that runs on', async () => {
    const broker = h.freshBroker();
    const now = h.clock.now();
    await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: now + 100_000 });
    h.clock.advance(70_000);
    const next = await broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: now + 1_000_000 });
    expect(next.source).toBe('minted');
    expect(newCalls().map((c) => c.lifetimeSeconds)).toEqual([100, 930]);
  });

  it('keys the cache by account, delegates and scopes (in any order)', async () => {
    const broker = h.freshBroker();
    const grantEnd = h.clock.now() + 600_000;
    await broker.accessToken({ account: READER_SA, scopes: [CLOUD_PLATFORM, BIGQUERY_READONLY], grantExpiresAtUnixMs: grantEnd });
    const same = await broker.accessToken({ account: READER_SA, scopes: [BIGQUERY_READONLY, CLOUD_PLATFORM, BIGQUERY_READONLY], grantExpiresAtUnixMs: grantEnd });
    expect(same.source).toBe('cache');
    await broker.accessToken({ account: READER_SA, scopes: [BIGQUERY_READONLY], grantExpiresAtUnixMs: grantEnd });
    expect(newCalls()).toHaveLength(2);
    expect(newCalls()[0]?.scope).toEqual([BIGQUERY_READONLY, CLOUD_PLATFORM]);
  });

  it('shares one IAM call between sessions that ask at the same time', async () => {
    const broker = h.freshBroker();
    const grantEnd = h.clock.now() + 300_000;
    const tokens = await Promise.all([1, 2, 3].map(() => broker.accessToken({ account: READER_SA, grantExpiresAtUnixMs: grantEnd })));
    expect(new Set(tokens.map((t) => t.value.reveal())).size).toBe(1);
    expect(newCalls()).toHaveLength(1);
  });

  it('follows a delegation chain the stand-in allows hop by hop', async () => {
    const token = await h.freshBroker().accessToken({ account: DEEP_SA, delegates: [HOP_SA], grantExpiresAtUnixMs: h.clock.now() + 60_000 });
    expect(token.value.reveal()).toBe(h.google.iam.accessTokenFor(DEEP_SA, [CLOUD_PLATFORM]));
    expect(newCalls()[0]).toMatchObject({ delegates: [`projects/-/serviceAccounts/${HOP_SA}`], outcome: 'OK' });
    // Without the hop, the agent holds no Token Creator role on DEEP_SA.
    expect((await refusal(h.freshBroker().accessToken({ account: DEEP_SA, grantExpiresAtUnixMs: h.clock.now() + 60_000 }))).code).toBe('denied');
  });
});

describe('refusals', () => {
  it('an account the agent may not impersonate: a clear error that names the role, no secret', async () => {
    const error = await refusal(h.freshBroker().accessToken({ account: ADMIN_SA, grantExpiresAtUnixMs: h.clock.now() + 60_000 }));
    expect(error.code).toBe('denied');
    expect(error.message).toContain(ADMIN_SA);
    expect(error.message).toContain('roles/iam.serviceAccountTokenCreator');
    expect(newCalls()).toMatchObject([{ outcome: 'PERMISSION_DENIED', caller: AGENT_SA }]);
    for (const token of h.allTokens()) expect(error.message).not.toContain(token);
  });

  it('a scope outside what the stand-in allows', async () => {
    const compute = 'https://www.googleapis.com/auth/compute';
    const error = await refusal(h.freshBroker().accessToken({ account: READER_SA, scopes: [compute], grantExpiresAtUnixMs: h.clock.now() + 60_000 }));
    expect(error.code).toBe('invalid_ref');
    expect(error.message).toMatch(/INVALID_ARGUMENT: Invalid scope: https:\/\/www\.googleapis\.com\/auth\/compute/);
  });

  it('a grant with less than a second left: nothing is asked of Google', async () => {
    const error = await refusal(h.freshBroker().accessToken({ account: READER_SA, grantExpiresAtUnixMs: h.clock.now() + 999 }));
    expect(error.code).toBe('grant_ended');
    expect(newCalls()).toHaveLength(0);
  });

  it('an account that would change the resource name, or a scope that is not one', async () => {
    expect((await refusal(h.freshBroker().accessToken({ account: `x/../${READER_SA}`, grantExpiresAtUnixMs: h.clock.now() + 60_000 }))).code).toBe('invalid_ref');
    expect((await refusal(h.freshBroker().accessToken({ account: READER_SA, scopes: ['cloud-platform'], grantExpiresAtUnixMs: h.clock.now() + 60_000 }))).code).toBe('invalid_ref');
    expect(newCalls()).toHaveLength(0);
  });

  it("agent credentials the API does not accept: UNAUTHENTICATED, reported as the agent's own", async () => {
    const forged = { accessToken: async () => ({ token: new SecretValue('ya29.forged-token'), expiresAtUnixMs: undefined }), idToken: h.identity.idToken };
    const error = await refusal(h.freshBroker(forged).accessToken({ account: READER_SA, grantExpiresAtUnixMs: h.clock.now() + 60_000 }));
    expect(error).toMatchObject({ code: 'denied', message: expect.stringMatching(/agent's own Google credentials \(UNAUTHENTICATED\)/) });
    expect(error.message).not.toContain('forged-token');
  });
});

describe('ID tokens (Cloud Run)', () => {
  const audience = 'https://reports-abc123-ew.a.run.app';

  it('mints an ID token for the audience, as the service account, signed by the issuer', async () => {
    const token = await h.freshBroker().idToken({ account: READER_SA, audience, grantExpiresAtUnixMs: h.clock.now() + 7_200_000 });
    const jwt = token.value.reveal();
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    expect(verifier.verify(h.google.iam.idTokenPublicKeyPem, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(jwtClaims(jwt)).toMatchObject({ aud: audience, email: READER_SA, iss: 'https://accounts.google.com' });
    expect(newCalls()).toMatchObject([{ method: 'GenerateIdToken', audience, includeEmail: true, caller: AGENT_SA, outcome: 'OK' }]);
    expect(token.expiresAtUnixMs).toBe(Number(jwtClaims(jwt)['exp']) * 1000);
  });

  it('reuses an ID token only for grants it does not outlive', async () => {
    const broker = h.freshBroker();
    const now = h.clock.now();
    await broker.idToken({ account: READER_SA, audience, grantExpiresAtUnixMs: now + 600_000 });
    const again = await broker.idToken({ account: READER_SA, audience, grantExpiresAtUnixMs: now + 600_000 });
    expect(again.source).toBe('minted');
    // A grant that outlives the token (Google's hour) may have it.
    const long = await broker.idToken({ account: READER_SA, audience, grantExpiresAtUnixMs: now + 7_200_000 });
    expect(long.source).toBe('cache');
    expect(long.expiresAtUnixMs).toBeLessThanOrEqual(now + 7_200_000);
    expect(newCalls()).toHaveLength(2);
  });

  it('refuses an ID token for an account the agent may not impersonate', async () => {
    expect((await refusal(h.freshBroker().idToken({ account: ADMIN_SA, audience, grantExpiresAtUnixMs: h.clock.now() + 60_000 }))).code).toBe('denied');
  });
});

describe("the agent's own identity (gcp-adc)", () => {
  it('is a token the OAuth stand-in issued to the key, for the cloud-platform scope', async () => {
    const own = await h.broker.agentAccessToken();
    expect(h.google.oauth.principalOf(own.value.reveal())).toMatchObject({ clientEmail: AGENT_SA, scopes: [CLOUD_PLATFORM] });
    expect(h.google.oauth.calls.filter((c) => c.kind === 'refused')).toEqual([]);
  });

  it('mints its own ID token through the key file (target_audience)', async () => {
    const token = await h.broker.agentIdToken('https://reports-abc123-ew.a.run.app');
    expect(jwtClaims(token.value.reveal())).toMatchObject({ aud: 'https://reports-abc123-ew.a.run.app', email: AGENT_SA });
  });
});
