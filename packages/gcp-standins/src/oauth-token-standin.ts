// A stand-in for Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token) as a
// service-account key uses it: the JWT-bearer grant (RFC 7523). It checks what Google checks —
// an RS256 signature by a key it knows, `iss` the key's account, `aud` this endpoint, a live
// `iat`/`exp` no more than an hour apart, and a `scope` (access token) or `target_audience`
// (ID token) — and answers as Google does. Every call is recorded.
import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthClientKey {
  clientEmail: string;
  /** The key file's `private_key_id` (the JWT's `kid`). */
  privateKeyId: string;
  publicKeyPem: string;
}

export interface OAuthTokenCall {
  clientEmail: string | undefined;
  kind: 'access_token' | 'id_token' | 'refused';
  scopes: string[];
  targetAudience?: string;
  error?: string;
}

export interface OAuthTokenStandinOptions {
  /** Scopes a key may ask for; anything else is `invalid_scope`. Default: any. */
  allowedScopes?: readonly string[];
  /** Lifetime of issued access tokens (Google: 3599 s). */
  accessTokenSeconds?: number;
  now?: () => number;
}

export interface IssuedAccessToken {
  clientEmail: string;
  scopes: string[];
  expiresAtMs: number;
}

export interface OAuthTokenStandin {
  /**
   * The URL to write as the key file's `token_uri`. google-auth-library (10.x, 11.x) ignores it and
   * posts to https://oauth2.googleapis.com/token: redirect the client's transporter here.
   */
  readonly tokenUri: string;
  readonly calls: readonly OAuthTokenCall[];
  /** Registers a service-account key whose assertions are accepted. */
  addKey(key: OAuthClientKey): void;
  /** Who a bearer token was issued to, if it was issued here and has not expired. */
  principalOf(accessToken: string): IssuedAccessToken | undefined;
  /** Every access token issued so far (for log-scanning tests). */
  issuedTokens(): string[];
  /** The public key that verifies the ID tokens it issues. */
  readonly idTokenPublicKey: KeyObject;
  close(): Promise<void>;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;

class GrantError extends Error {
  constructor(
    readonly error: 'invalid_grant' | 'invalid_scope' | 'invalid_request' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
  }
}

export async function startOAuthTokenStandin(options: OAuthTokenStandinOptions = {}): Promise<OAuthTokenStandin> {
  const now = options.now ?? Date.now;
  const keys = new Map<string, OAuthClientKey>();
  const issued = new Map<string, IssuedAccessToken>();
  const calls: OAuthTokenCall[] = [];
  const idKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let tokenUri = '';

  function verifyAssertion(assertion: string): Record<string, unknown> {
    const parts = assertion.split('.');
    if (parts.length !== 3) throw new GrantError('invalid_grant', 'Invalid JWT: not three segments');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart);
    const payload = decodeJson(payloadPart);
    if (header['alg'] !== 'RS256') throw new GrantError('invalid_grant', 'Invalid JWT: alg must be RS256');
    const iss = typeof payload['iss'] === 'string' ? payload['iss'] : '';
    const key = keys.get(iss);
    if (!key) throw new GrantError('invalid_grant', 'Invalid JWT Signature.');
    if (header['kid'] !== undefined && header['kid'] !== key.privateKeyId) throw new GrantError('invalid_grant', 'Invalid JWT Signature.');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${headerPart}.${payloadPart}`);
    if (!verifier.verify(key.publicKeyPem, Buffer.from(signaturePart, 'base64url'))) throw new GrantError('invalid_grant', 'Invalid JWT Signature.');
    // google-auth-library signs for Google's URL whatever the key file's token_uri says.
    if (payload['aud'] !== tokenUri && payload['aud'] !== GOOGLE_TOKEN_URL) throw new GrantError('invalid_grant', 'Invalid JWT: Failed audience check.');
    const iat = Number(payload['iat']);
    const exp = Number(payload['exp']);
    const nowSeconds = now() / 1000;
    if (!Number.isFinite(iat) || !Number.isFinite(exp) || iat > nowSeconds + CLOCK_SKEW_SECONDS || exp <= nowSeconds - CLOCK_SKEW_SECONDS || exp - iat > MAX_ASSERTION_SECONDS)
      throw new GrantError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    return payload;
  }

  function grant(form: URLSearchParams): { status: number; body: Record<string, unknown> } {
    if (form.get('grant_type') !== JWT_BEARER) throw new GrantError('unsupported_grant_type', 'Invalid grant_type');
    const assertion = form.get('assertion');
    if (!assertion) throw new GrantError('invalid_request', 'Missing required parameter: assertion');
    const claims = verifyAssertion(assertion);
    const clientEmail = claims['iss'] as string;
    if (typeof claims['target_audience'] === 'string' && claims['target_audience'] !== '') {
      const audience = claims['target_audience'];
      calls.push({ clientEmail, kind: 'id_token', scopes: [], targetAudience: audience });
      return { status: 200, body: { id_token: signIdToken(idKeys.privateKey, { aud: audience, email: clientEmail, now: now() }) } };
    }
    const scopes = typeof claims['scope'] === 'string' ? claims['scope'].split(' ').filter(Boolean) : [];
    if (scopes.length === 0) throw new GrantError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const refused = options.allowedScopes ? scopes.filter((scope) => !options.allowedScopes?.includes(scope)) : [];
    if (refused.length > 0) throw new GrantError('invalid_scope', `Invalid OAuth scope: ${refused.join(' ')}`);
    const seconds = options.accessTokenSeconds ?? 3599;
    const accessToken = `ya29.standin-adc-${randomBytes(24).toString('base64url')}`;
    issued.set(accessToken, { clientEmail, scopes, expiresAtMs: now() + seconds * 1000 });
    calls.push({ clientEmail, kind: 'access_token', scopes });
    return { status: 200, body: { access_token: accessToken, expires_in: seconds, token_type: 'Bearer' } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: Record<string, unknown>): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'POST' || new URL(request.url ?? '/', 'http://x').pathname !== '/token') return send(404, { error: 'not_found' });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const form = (request.headers['content-type'] ?? '').includes('application/json') ? new URLSearchParams(Object.entries(JSON.parse(text) as Record<string, string>)) : new URLSearchParams(text);
    try {
      const { status, body } = grant(form);
      send(status, body);
    } catch (error) {
      if (!(error instanceof GrantError)) throw error;
      calls.push({ clientEmail: undefined, kind: 'refused', scopes: [], error: error.error });
      send(400, { error: error.error, error_description: error.message });
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  return {
    tokenUri,
    calls,
    idTokenPublicKey: createPublicKey(idKeys.publicKey.export({ type: 'spki', format: 'pem' })),
    addKey: (key) => void keys.set(key.clientEmail, key),
    principalOf(accessToken) {
      const found = issued.get(accessToken);
      return found && found.expiresAtMs > now() ? found : undefined;
    },
    issuedTokens: () => [...issued.keys()],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new GrantError('invalid_grant', 'Invalid JWT: segment is not JSON');
}

/** A Google-shaped OIDC ID token (RS256), as accounts.google.com would sign it. */
export function signIdToken(privateKey: KeyObject, claims: { aud: string; email?: string; now: number; lifetimeSeconds?: number }): string {
  const iat = Math.floor(claims.now / 1000);
  const payload: Record<string, unknown> = {
    iss: 'https://accounts.google.com',
    aud: claims.aud,
    azp: claims.email ?? 'standin',
    sub: '1' + randomBytes(8).readBigUInt64BE().toString().padStart(20, '0'),
    iat,
    exp: iat + (claims.lifetimeSeconds ?? 3600),
  };
  if (claims.email) Object.assign(payload, { email: claims.email, email_verified: true });
  const header = { alg: 'RS256', typ: 'JWT', kid: 'standin' };
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signer = createSign('RSA-SHA256');
  signer.update(signingInput);
  return `${signingInput}.${signer.sign(privateKey).toString('base64url')}`;
}
