// What the HTTP stand-ins of Google APIs (BigQuery, Cloud Storage) share: Google's front end.
// It authenticates the bearer token (only tokens the IAM stand-in minted and that have not
// expired), checks the token's scopes against the method's, answers errors in Google's JSON shape
// (https://cloud.google.com/apis/design/errors#http_mapping) and records every call.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessTokenInfo } from './access-token-registry.js';

/** Where a stand-in looks tokens up: the IAM Credentials stand-in (`tokenInfo`). */
export interface TokenIntrospector {
  tokenInfo(accessToken: string): AccessTokenInfo | undefined;
}

export interface GoogleApiCall {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The service account of the bearer token; undefined when it had none or an unknown one. */
  principal: string | undefined;
  status: number;
}

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
export const CLOUD_PLATFORM_READ_ONLY = 'https://www.googleapis.com/auth/cloud-platform.read-only';

export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    /** `errors[0].reason` of the v1/v2 JSON APIs (what @google-cloud clients read). */
    readonly reason: string,
    readonly details: readonly object[] = [],
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new GoogleApiError(404, 'NOT_FOUND', message, 'notFound');
export const badRequest = (message: string, reason = 'invalid') => new GoogleApiError(400, 'INVALID_ARGUMENT', message, reason);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendGoogleError(res: ServerResponse, error: GoogleApiError): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  const body = {
    error: {
      code: error.code,
      message: error.message,
      errors: [{ message: error.message, domain: 'global', reason: error.reason }],
      status: error.status,
      ...(error.details.length ? { details: error.details } : {}),
    },
  };
  // Google asks for a bearer token on 401, as RFC 6750 says.
  sendJson(res, error.code, body, error.code === 401 ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' } : {});
}

/**
 * The caller's token, looked up; refuses a missing, unknown or expired token (401) and a token
 * that carries none of `scopes` (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT), as Google does before the
 * method runs.
 */
export function authenticate(req: IncomingMessage, iam: TokenIntrospector, scopes: readonly string[]): AccessTokenInfo {
  const header = req.headers.authorization;
  if (!header) {
    throw new GoogleApiError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'required');
  }
  const info = /^Bearer (\S+)$/i.exec(header)?.[1];
  const token = info ? iam.tokenInfo(info) : undefined;
  if (!token) {
    throw new GoogleApiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'authError');
  }
  if (!token.scopes.some((scope) => scopes.includes(scope))) {
    throw new GoogleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', 'insufficientPermissions', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com' },
    ]);
  }
  return token;
}

/** The principal a request's token names, for the record of a refused call. */
export function principalOf(req: IncomingMessage, iam: TokenIntrospector): string | undefined {
  const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return token ? iam.tokenInfo(token)?.serviceAccount : undefined;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GoogleApiError(413, 'OUT_OF_RANGE', `The request body is larger than ${limit} bytes.`, 'uploadTooLarge');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Record<string, unknown>> {
  const text = (await readBody(req, limit)).toString('utf8');
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: Google answers a body it cannot parse with 400 parseError
  }
  throw badRequest('Invalid JSON payload received.', 'parseError');
}

export interface HttpStandin {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1, recording each call with the status it was answered with. A
 * GoogleApiError becomes Google's error body; anything else is a bug in the stand-in (500).
 */
export async function serveGoogleApi(iam: TokenIntrospector, calls: GoogleApiCall[], handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>): Promise<HttpStandin> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    res.once('finish', () => calls.push({ method: req.method ?? '', path: url.pathname, principal: principalOf(req, iam), status: res.statusCode }));
    handle(req, res, url).catch((error: unknown) => {
      if (error instanceof GoogleApiError) sendGoogleError(res, error);
      else sendGoogleError(res, new GoogleApiError(500, 'INTERNAL', `stand-in error: ${error instanceof Error ? error.message : String(error)}`, 'backendError'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
