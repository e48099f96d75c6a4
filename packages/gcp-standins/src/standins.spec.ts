// The stand-ins refuse what Google would refuse: forged or stale assertions at the token
// endpoint; missing or foreign bearer tokens, impersonation without the role, too long a
// lifetime and unknown scopes at IAM Credentials.
import { createSign, generateKeyPairSync } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleStandins, type GoogleStandins } from './google-standins.js';
import { loadIamCredentialsService } from './iam-credentials-standin.js';

const AGENT = 'agent-one@proj-12345.iam.gserviceaccount.com';
const READER = 'reader@proj-12345.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

let g: GoogleStandins;
beforeAll(async () => {
  g = await startGoogleStandins({ agentEmail: AGENT, tokenCreators: [{ member: AGENT, serviceAccount: READER }], allowedScopes: [SCOPE] });
});
afterAll(async () => {
  await g?.close();
});

function assertion(claims: Record<string, unknown>, key: string = g.agentKey.json.private_key, kid = g.agentKey.json.private_key_id): string {
  const now = Math.floor(Date.now() / 1000);
  const body = { iss: AGENT, aud: g.oauth.tokenUri, scope: SCOPE, iat: now, exp: now + 3600, ...claims };
  const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

async function token(jwt: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(g.oauth.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('OAuth token stand-in', () => {
  it('issues an access token for a well-signed assertion', async () => {
    const { status, body } = await token(assertion({}));
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(g.oauth.principalOf(String(body['access_token']))).toMatchObject({ clientEmail: AGENT, scopes: [SCOPE] });
  });

  it.each([
    ['another key', () => assertion({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())],
    ['a foreign audience', () => assertion({ aud: 'https://example.com/token' })],
    ['an expired assertion', () => assertion({ iat: 1_600_000_000, exp: 1_600_003_600 })],
    ['more than an hour', () => assertion({ exp: Math.floor(Date.now() / 1000) + 7200 })],
    ['no scope', () => assertion({ scope: '' })],
  ])('refuses %s', async (_name, make) => {
    const { status, body } = await token(make());
    expect(status).toBe(400);
    expect(String(body['error'])).toMatch(/^invalid_(grant|scope)$/);
  });
});

describe('IAM Credentials stand-in', () => {
  const Client = grpc.makeGenericClientConstructor(loadIamCredentialsService(), 'IAMCredentials');
  const client = () => new Client(`${g.iam.host}:${g.iam.port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => void>;
  function generate(bearer: string | undefined, request: Record<string, unknown>): Promise<{ code: number; response?: Record<string, unknown> }> {
    const metadata = new grpc.Metadata();
    if (bearer) metadata.set('authorization', `Bearer ${bearer}`);
    return new Promise((resolve) =>
      client()['GenerateAccessToken']!(request, metadata, (error: grpc.ServiceError | null, response: Record<string, unknown>) => resolve(error ? { code: error.code } : { code: grpc.status.OK, response })),
    );
  }
  let bearer = '';
  beforeAll(async () => {
    bearer = String((await token(assertion({}))).body['access_token']);
  });
  const request = (over: Record<string, unknown> = {}) => ({ name: `projects/-/serviceAccounts/${READER}`, scope: [SCOPE], lifetime: { seconds: 600 }, ...over });

  it('mints the deterministic token for an allowed impersonation', async () => {
    const { code, response } = await generate(bearer, request());
    expect(code).toBe(grpc.status.OK);
    expect(response?.['accessToken']).toBe(g.iam.accessTokenFor(READER, [SCOPE]));
  });

  it.each([
    ['no bearer token', undefined, {}, grpc.status.UNAUTHENTICATED],
    ['a bearer token it did not issue', 'ya29.someone-else', {}, grpc.status.UNAUTHENTICATED],
    ['an account without the role', 'BEARER', { name: 'projects/-/serviceAccounts/admin@proj-12345.iam.gserviceaccount.com' }, grpc.status.PERMISSION_DENIED],
    ['a project instead of "-"', 'BEARER', { name: `projects/proj-12345/serviceAccounts/${READER}` }, grpc.status.INVALID_ARGUMENT],
    ['more than 3600 s', 'BEARER', { lifetime: { seconds: 3601 } }, grpc.status.INVALID_ARGUMENT],
    ['a scope outside the allowed set', 'BEARER', { scope: ['https://www.googleapis.com/auth/compute'] }, grpc.status.INVALID_ARGUMENT],
  ])('refuses %s', async (_name, who, over, expected) => {
    const { code } = await generate(who === 'BEARER' ? bearer : who, request(over));
    expect(code).toBe(expected);
    expect(g.iam.calls.at(-1)?.outcome).toBe(grpc.status[expected]);
  });
});
