// A small typed client of the gateway's REST API (README.md, "The REST API in short"). The
// requests and answers are @jitgate/contracts' shapes; answers are parsed, not cast: an answer of
// another shape is a clear error, and unknown fields are dropped. Every failure becomes a
// one-line CliError whose kind follows the gateway's error code (or, for a code this CLI does
// not know, the HTTP status).
import type { z } from 'zod';
import {
  accessRequestSchema,
  apiErrorBodySchema,
  connectionListSchema,
  grantCheckSchema,
  grantListSchema,
  identitySchema,
  isErrorCode,
  type AccessRequest,
  type ConnectionSummary,
  type ErrorCode,
  type Grant,
  type GrantCheck,
  type Identity,
  type NewAccessRequest,
} from '@jitgate/contracts';
import { CliError, kindForStatus, printable, type ErrorKind } from './errors.js';

export type FetchFn = typeof fetch;

export interface ApiClientOptions {
  baseUrl: URL;
  token: string;
  fetch?: FetchFn;
  timeoutMs?: number;
}

export class ApiClient {
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  whoami(): Promise<Identity> {
    return this.call('GET', '/v1/identities/me', identitySchema);
  }

  checkGrant(connection: string): Promise<GrantCheck> {
    return this.call('GET', `/v1/grants/check?${new URLSearchParams({ connection })}`, grantCheckSchema);
  }

  /** The connection of that name (any authenticated identity may look connections up), or undefined. */
  async findConnection(name: string): Promise<ConnectionSummary | undefined> {
    const { items } = await this.call('GET', `/v1/connections?${new URLSearchParams({ name })}`, connectionListSchema);
    return items.find((c) => c.name === name);
  }

  async listActiveGrants(): Promise<Grant[]> {
    return (await this.call('GET', '/v1/grants?active=true', grantListSchema)).items;
  }

  createAccessRequest(request: NewAccessRequest): Promise<AccessRequest> {
    return this.call('POST', '/v1/access-requests', accessRequestSchema, request);
  }

  getAccessRequest(id: string): Promise<AccessRequest> {
    return this.call('GET', `/v1/access-requests/${encodeURIComponent(id)}`, accessRequestSchema);
  }

  private async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const url = this.url(path);
    const what = `${method} ${path.split('?')[0]}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CliError('unavailable', `cannot reach the gateway at ${url.origin}: ${describeFetchError(error, this.timeoutMs)}`);
    }
    const payload = await readJson(response);
    if (!response.ok) throw errorFromAnswer(response.status, payload, what);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
      throw new CliError('usage', `unexpected answer from the gateway to ${what}${where}: is the gateway a compatible version?`);
    }
    return parsed.data;
  }

  private url(path: string): URL {
    // Keep a path prefix of the base URL (a gateway served under https://host/jitgate/).
    const prefix = this.options.baseUrl.pathname.replace(/\/+$/, '');
    return new URL(`${this.options.baseUrl.origin}${prefix}${path}`);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** The exit kind of each of the gateway's error codes: a code added to the contract is given one here. */
const KIND_BY_CODE: Record<ErrorCode, ErrorKind> = {
  bad_request: 'usage',
  validation_failed: 'usage',
  invalid_json: 'usage',
  unauthenticated: 'auth',
  forbidden: 'not_permitted',
  not_found: 'usage',
  conflict: 'usage',
  payload_too_large: 'usage',
  unsupported_media_type: 'usage',
  rate_limited: 'usage',
  internal: 'unavailable',
  unavailable: 'unavailable',
};

function errorFromAnswer(status: number, payload: unknown, what: string): CliError {
  const body = apiErrorBodySchema.safeParse(payload);
  if (!body.success) return new CliError(kindForStatus(status), `the gateway answered HTTP ${status} to ${what}`);
  const { code, message, requestId } = body.data.error;
  const known = isErrorCode(code) ? code : undefined;
  const kind = known ? KIND_BY_CODE[known] : kindForStatus(status);
  const ref = requestId ? `, request ${printable(requestId, 80)}` : '';
  const prefix = known === 'unauthenticated' || status === 401 ? 'the gateway did not accept JITGATE_TOKEN: ' : '';
  return new CliError(kind, `${prefix}${printable(message)} (${printable(code, 60)}, HTTP ${status}${ref})`);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return describeSocketCode(cause.code);
  if (cause && typeof cause.message === 'string') return printable(cause.message);
  return error instanceof Error ? printable(error.message) : 'unknown error';
}

/** Socket error codes in words; shared with the tunnel dialer. */
export function describeSocketCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return code;
  }
}
