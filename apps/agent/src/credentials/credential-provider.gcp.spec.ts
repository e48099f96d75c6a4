// gcp-sa: and gcp-adc through LocalCredentialProvider: minted per session with the grant's end
// and the connection's settings (real Google clients against the stand-ins).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SA, BIGQUERY_READONLY, CLOUD_PLATFORM, READER_SA, STORAGE_READ_WRITE, startBrokerHarness, type BrokerHarness } from '../../test/support/gcp-broker-harness.js';
import { CredentialError, LocalCredentialProvider } from './credential-provider.js';
import { gcpTokenWantedFor } from './gcp-token-wanted.js';

let h: BrokerHarness;
let provider: LocalCredentialProvider;
beforeAll(async () => {
  h = await startBrokerHarness();
  provider = new LocalCredentialProvider({ readEnv: () => undefined, gcp: h.broker });
});
afterAll(async () => {
  await h?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialError);
  return (error as CredentialError).code;
}

describe('gcp-sa:<account>', () => {
  it("mints the account's access token with the connection's scopes, bounded by the grant", async () => {
    const before = h.google.iam.calls.length;
    const value = await provider.resolve(`gcp-sa:${READER_SA}`, {
      grantExpiresAtUnixMs: h.clock.now() + 45_000,
      gcp: gcpTokenWantedFor('bigquery', JSON.stringify({ projectId: 'proj-12345', scopes: [BIGQUERY_READONLY] })),
    });
    expect(value.reveal()).toBe(h.google.iam.accessTokenFor(READER_SA, [BIGQUERY_READONLY]));
    expect(h.google.iam.calls.slice(before)).toMatchObject([{ scope: [BIGQUERY_READONLY], lifetimeSeconds: 45 }]);
  });

  it('defaults to the cloud-platform scope', async () => {
    const value = await provider.resolve(`gcp-sa:${READER_SA}`, { grantExpiresAtUnixMs: h.clock.now() + 45_000 });
    expect(value.reveal()).toBe(h.google.iam.accessTokenFor(READER_SA, [CLOUD_PLATFORM]));
  });

  it('mints an ID token for a cloudrun connection (audience from settings, else the URL origin)', async () => {
    const grantExpiresAtUnixMs = h.clock.now() + 45_000;
    const url = 'https://reports-abc123-ew.a.run.app/api/v1';
    for (const [settings, audience] of [
      [{ url }, 'https://reports-abc123-ew.a.run.app'],
      [{ url, audience: 'reports-backend' }, 'reports-backend'],
    ] as const) {
      const value = await provider.resolve(`gcp-sa:${READER_SA}`, { grantExpiresAtUnixMs, gcp: gcpTokenWantedFor('cloudrun', JSON.stringify(settings)) });
      const claims = JSON.parse(Buffer.from(value.reveal().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(claims).toMatchObject({ aud: audience, email: READER_SA });
    }
  });

  it("needs the session's grant end, and a targetServiceAccount that agrees", async () => {
    expect(await codeOf(provider.resolve(`gcp-sa:${READER_SA}`))).toBe('invalid_ref');
    const gcp = gcpTokenWantedFor('gcs', JSON.stringify({ targetServiceAccount: `other-one@proj-12345.iam.gserviceaccount.com` }));
    expect(await codeOf(provider.resolve(`gcp-sa:${READER_SA}`, { grantExpiresAtUnixMs: h.clock.now() + 45_000, gcp }))).toBe('invalid_ref');
  });

  it('check() asks only whether the agent identity works: nothing is minted without a session', async () => {
    const before = h.google.iam.calls.length;
    expect(await provider.check(`gcp-sa:${READER_SA}`)).toEqual({ ok: true });
    expect(h.google.iam.calls.length).toBe(before);
  });
});

describe('gcp-adc', () => {
  it("is the agent's own access token", async () => {
    const value = await provider.resolve('gcp-adc', { grantExpiresAtUnixMs: h.clock.now() + 45_000 });
    expect(h.google.oauth.principalOf(value.reveal())).toMatchObject({ clientEmail: AGENT_SA });
  });

  it("impersonates the connection's targetServiceAccount when it names one", async () => {
    const gcp = gcpTokenWantedFor('gcs', JSON.stringify({ targetServiceAccount: READER_SA }));
    const value = await provider.resolve('gcp-adc', { grantExpiresAtUnixMs: h.clock.now() + 45_000, gcp });
    expect(value.reveal()).toBe(h.google.iam.accessTokenFor(READER_SA, [STORAGE_READ_WRITE]));
  });
});

describe('gcpTokenWantedFor', () => {
  it.each([
    ['bigquery', { projectId: 'p-12345', scopes: [BIGQUERY_READONLY] }, { kind: 'access', scopes: [BIGQUERY_READONLY] }],
    // Narrow defaults per API (docs/http.md), not cloud-platform.
    ['bigquery', { projectId: 'p-12345' }, { kind: 'access', scopes: ['https://www.googleapis.com/auth/bigquery'] }],
    ['gcs', { buckets: ['b11'], delegates: ['hop-one@p-12345.iam.gserviceaccount.com'] }, { kind: 'access', scopes: [STORAGE_READ_WRITE], delegates: ['hop-one@p-12345.iam.gserviceaccount.com'] }],
    ['cloudrun', { url: 'https://svc.a.run.app/x' }, { kind: 'id', audience: 'https://svc.a.run.app', includeEmail: true }],
    ['mcp', { url: 'https://mcp.example.com/mcp' }, { kind: 'id', audience: 'https://mcp.example.com', includeEmail: true }],
    ['mcp', { url: 'https://mcp.example.com/mcp', audience: 'mcp-backend' }, { kind: 'id', audience: 'mcp-backend' }],
  ])('%s', (type, settings, expected) => {
    expect(gcpTokenWantedFor(type, JSON.stringify(settings))).toMatchObject(expected);
  });

  it('refuses types that take no Google token and malformed settings', () => {
    expect(() => gcpTokenWantedFor('tcp', '{}')).toThrowError(CredentialError);
    expect(() => gcpTokenWantedFor('http', '{"baseUrl":"https://x.example"}')).toThrowError(CredentialError);
    expect(() => gcpTokenWantedFor('mcp', '{}')).toThrowError(CredentialError);
    expect(() => gcpTokenWantedFor('cloudrun', '{"url":"not a url"}')).toThrowError(CredentialError);
    expect(() => gcpTokenWantedFor('gcs', '{')).toThrowError(CredentialError);
  });
});
