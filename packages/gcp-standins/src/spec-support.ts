// Test helpers for the API stand-ins' specs (not built): mint a real access token through the
// OAuth and IAM Credentials stand-ins, and give a Google client library an auth client that
// carries it.
import { createSign } from 'node:crypto';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import type { GoogleStandins } from './google-standins.js';
import { loadIamCredentialsService } from './iam-credentials-standin.js';

/** The agent's own token from the OAuth stand-in (a JWT-bearer assertion signed with its key). */
export async function agentBearer(g: GoogleStandins, scope = 'https://www.googleapis.com/auth/cloud-platform'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = g.agentKey.json;
  const claims = { iss: key.client_email, aud: g.oauth.tokenUri, scope, iat: now, exp: now + 3600 };
  const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const jwt = `${input}.${createSign('RSA-SHA256').update(input).sign(key.private_key).toString('base64url')}`;
  const response = await fetch(g.oauth.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }),
  });
  return String(((await response.json()) as { access_token: string }).access_token);
}

/** GenerateAccessToken for `account` over gRPC, as the agent's broker does. */
export async function mintAccessToken(g: GoogleStandins, account: string, scopes: string[], lifetimeSeconds = 600): Promise<string> {
  const bearer = await agentBearer(g);
  const Client = grpc.makeGenericClientConstructor(loadIamCredentialsService(), 'IAMCredentials');
  const client = new Client(`${g.iam.host}:${g.iam.port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => void>;
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${bearer}`);
  try {
    return await new Promise<string>((resolve, reject) =>
      client['GenerateAccessToken']!(
        { name: `projects/-/serviceAccounts/${account}`, scope: scopes, lifetime: { seconds: lifetimeSeconds } },
        metadata,
        (error: Error | null, response: { accessToken: string }) => (error ? reject(error) : resolve(response.accessToken)),
      ),
    );
  } finally {
    (client as unknown as grpc.Client).close();
  }
}

interface OAuth2ClientLike {
  setCredentials(credentials: { access_token: string; expiry_date: number }): void;
}

/**
 * An OAuth2Client holding `token`, from the google-auth-library the client package itself uses
 * (@google-cloud/storage 7 is on 9.x, @google-cloud/bigquery 8 on 10.x; their header handling
 * differs between majors).
 */
export function authClientFor(clientPackage: '@google-cloud/bigquery' | '@google-cloud/storage', token: string): OAuth2ClientLike {
  const require = createRequire(import.meta.url);
  // BigQuery reaches google-auth-library through @google-cloud/common.
  const from = clientPackage === '@google-cloud/bigquery' ? createRequire(require.resolve(clientPackage)).resolve('@google-cloud/common') : require.resolve(clientPackage);
  const { OAuth2Client } = createRequire(from)('google-auth-library') as { OAuth2Client: new () => OAuth2ClientLike };
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}
