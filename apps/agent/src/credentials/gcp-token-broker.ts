// Mints the Google tokens a session's credential reference names (README "Credential
// references"): for `gcp-sa:<account>`, an access token or ID token of that service account via
// the IAM Credentials API, called as the agent's own identity (ADC); for `gcp-adc`, the agent's
// own token.
//
// Lifetime: an access token lives min(3600 s, what remains of the grant, rounded down to whole
// seconds). 3600 s is the API's default maximum (more needs an organisation policy); the API
// documents no minimum, but a request with less than one second left is refused here: the grant
// is over, and `lifetime` 0 would mean "the default, one hour" to the API.
//
// Cache: per (account, delegates, sorted scopes | audience). A cached token is handed to a
// session only if it expires no later than that session's grant end — a token minted for a
// longer grant is never reused by a shorter one; a fresh one is minted, bounded by the shorter
// grant — and only while it has at least `minRemainingMs` left (or was minted for this very
// grant end). Concurrent requests for the same key and grant end share one call.
// ID tokens (generateIdToken) cannot be shortened: Google issues them for one hour, so they are
// reused only by sessions whose grant outlives them; otherwise one is minted per session.
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { CredentialError } from './credential-error.js';
import { IamApiError, type AgentGoogleIdentity, type IamCredentialsApi } from './google-clients.js';
import type { SecretValue } from './secret-value.js';

export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
export const DEFAULT_GCP_SCOPES: readonly string[] = ['https://www.googleapis.com/auth/cloud-platform'];

export interface ServiceAccountTokenRequest {
  /** The service account to act as: its e-mail or unique id. */
  account: string;
  /** Delegation chain, in order (each holds Token Creator on the next); e-mails or ids. */
  delegates?: readonly string[];
  /** The session's grant end, by the agent's clock. */
  grantExpiresAtUnixMs: number;
}

export interface AccessTokenRequest extends ServiceAccountTokenRequest {
  /** Default: cloud-platform. */
  scopes?: readonly string[];
}

export interface IdTokenRequest extends ServiceAccountTokenRequest {
  audience: string;
  includeEmail?: boolean;
}

export interface GcpToken {
  value: SecretValue;
  expiresAtUnixMs: number;
  /** `cache` when an earlier session's token was handed out again. */
  source: 'minted' | 'cache';
}

export interface GcpTokenBrokerDeps {
  identity: AgentGoogleIdentity;
  iam: IamCredentialsApi;
  clock: Clock;
  logger: Logger;
  /** A cached token with less left than this is not handed out (unless minted for this grant end). */
  minRemainingMs?: number;
}

interface CacheEntry {
  value: SecretValue;
  expiresAtUnixMs: number;
}

// Service account e-mails (name@project.iam.gserviceaccount.com, and the older
// project@appspot.gserviceaccount.com / developer.gserviceaccount.com forms) or unique ids; never
// a `/`, which would change the resource name.
const ACCOUNT = /^(?:[a-z0-9][a-z0-9._-]{0,99}@[a-z0-9][a-z0-9.-]{1,150}\.[a-z]{2,}|\d{10,30})$/;
const SA_RESOURCE_PREFIX = 'projects/-/serviceAccounts/';
const MAX_SCOPES = 32;
const MAX_ENTRIES_PER_KEY = 8;

export class GcpTokenBroker {
  private readonly cache = new Map<string, CacheEntry[]>();
  private readonly inFlight = new Map<string, Promise<CacheEntry>>();
  private readonly minRemainingMs: number;

  constructor(private readonly deps: GcpTokenBrokerDeps) {
    this.minRemainingMs = deps.minRemainingMs ?? 60_000;
  }

  /** An access token of a service account, for one session (`gcp-sa:`). */
  async accessToken(request: AccessTokenRequest): Promise<GcpToken> {
    const { account, delegates } = validAccounts(request);
    const scopes = validScopes(request.scopes);
    const grantEnd = request.grantExpiresAtUnixMs;
    const lifetimeSeconds = Math.min(MAX_ACCESS_TOKEN_LIFETIME_SECONDS, Math.floor((grantEnd - this.deps.clock.now()) / 1000));
    if (lifetimeSeconds < 1) throw new CredentialError('grant_ended', `the grant ends in less than a second: no token is minted for ${account}`);
    const key = JSON.stringify(['access', account, delegates, scopes]);
    return this.cached(key, grantEnd, async () => {
      const requestedAt = this.deps.clock.now();
      const bearer = await this.agentBearer();
      const minted = await this.callIam(account, () => this.deps.iam.generateAccessToken({ name: resource(account), delegates: delegates.map(resource), scope: scopes, lifetimeSeconds }, bearer));
      // What we asked for bounds it by our clock; an earlier expiry from the server wins.
      const bound = requestedAt + lifetimeSeconds * 1000;
      const expiresAtUnixMs = Math.min(bound, minted.expireTimeUnixMs ?? bound);
      this.deps.logger.info({ account, delegates, scopes, lifetimeSeconds, expiresAt: new Date(expiresAtUnixMs).toISOString() }, 'minted a service account access token');
      return { value: minted.accessToken, expiresAtUnixMs };
    });
  }

  /** An ID token of a service account for `audience` (Cloud Run), for one session. */
  async idToken(request: IdTokenRequest): Promise<GcpToken> {
    const { account, delegates } = validAccounts(request);
    const audience = request.audience;
    if (audience.length === 0 || audience.length > 2048) throw new CredentialError('invalid_ref', 'an ID token needs an audience of at most 2048 characters');
    const grantEnd = request.grantExpiresAtUnixMs;
    if (grantEnd - this.deps.clock.now() < 1000) throw new CredentialError('grant_ended', `the grant ends in less than a second: no token is minted for ${account}`);
    const includeEmail = request.includeEmail ?? true;
    const key = JSON.stringify(['id', account, delegates, audience, includeEmail]);
    return this.cached(key, grantEnd, async () => {
      const bearer = await this.agentBearer();
      const minted = await this.callIam(account, () => this.deps.iam.generateIdToken({ name: resource(account), delegates: delegates.map(resource), audience, includeEmail }, bearer));
      const expiresAtUnixMs = jwtExpiry(minted.token) ?? this.deps.clock.now() + 3_600_000;
      this.deps.logger.info({ account, delegates, audience, expiresAt: new Date(expiresAtUnixMs).toISOString() }, 'minted a service account ID token');
      return { value: minted.token, expiresAtUnixMs };
    });
  }

  /** The agent's own access token (`gcp-adc`): its lifetime is ADC's, not bounded by a grant. */
  async agentAccessToken(): Promise<GcpToken> {
    const own = await this.agentToken();
    return { value: own.token, expiresAtUnixMs: own.expiresAtUnixMs ?? this.deps.clock.now(), source: 'minted' };
  }

  /** The agent's own ID token for `audience` (`gcp-adc` on Cloud Run). */
  async agentIdToken(audience: string): Promise<GcpToken> {
    try {
      const value = await this.deps.identity.idToken(audience);
      return { value, expiresAtUnixMs: jwtExpiry(value) ?? this.deps.clock.now(), source: 'minted' };
    } catch (error) {
      throw identityError(error);
    }
  }

  /** Whether the agent's own identity works now (for the checks at Welcome). */
  async checkIdentity(): Promise<void> {
    await this.agentToken();
  }

  private async agentBearer(): Promise<SecretValue> {
    return (await this.agentToken()).token;
  }

  private async agentToken(): Promise<{ token: SecretValue; expiresAtUnixMs: number | undefined }> {
    try {
      return await this.deps.identity.accessToken();
    } catch (error) {
      throw identityError(error);
    }
  }

  private async callIam<T>(account: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof IamApiError)) throw error;
      throw iamError(account, error);
    }
  }

  private async cached(key: string, grantEnd: number, mint: () => Promise<CacheEntry>): Promise<GcpToken> {
    const now = this.deps.clock.now();
    const entries = (this.cache.get(key) ?? []).filter((entry) => entry.expiresAtUnixMs > now);
    const usable = entries
      .filter((entry) => entry.expiresAtUnixMs <= grantEnd && (entry.expiresAtUnixMs - now >= this.minRemainingMs || grantEnd - entry.expiresAtUnixMs < 1000))
      .sort((a, b) => b.expiresAtUnixMs - a.expiresAtUnixMs)[0];
    if (entries.length > 0) this.cache.set(key, entries);
    else this.cache.delete(key);
    if (usable) return { value: usable.value, expiresAtUnixMs: usable.expiresAtUnixMs, source: 'cache' };
    const flightKey = `${key}|${grantEnd}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = mint().finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
      const entry = await flight;
      const kept = [...(this.cache.get(key) ?? []), entry].sort((a, b) => b.expiresAtUnixMs - a.expiresAtUnixMs).slice(0, MAX_ENTRIES_PER_KEY);
      this.cache.set(key, kept);
      return { value: entry.value, expiresAtUnixMs: entry.expiresAtUnixMs, source: 'minted' };
    }
    const entry = await flight;
    return { value: entry.value, expiresAtUnixMs: entry.expiresAtUnixMs, source: 'cache' };
  }
}

function validAccounts(request: ServiceAccountTokenRequest): { account: string; delegates: string[] } {
  const accounts = [request.account, ...(request.delegates ?? [])];
  for (const account of accounts) if (!ACCOUNT.test(account)) throw new CredentialError('invalid_ref', `${JSON.stringify(account.slice(0, 120))} is not a service account e-mail or unique id`);
  if (accounts.length > 10) throw new CredentialError('invalid_ref', 'a delegation chain has at most 9 delegates');
  return { account: request.account, delegates: [...(request.delegates ?? [])] };
}

function validScopes(scopes: readonly string[] | undefined): string[] {
  const wanted = [...new Set(scopes && scopes.length > 0 ? scopes : DEFAULT_GCP_SCOPES)].sort();
  if (wanted.length > MAX_SCOPES) throw new CredentialError('invalid_ref', `at most ${MAX_SCOPES} scopes`);
  for (const scope of wanted)
    if (!/^https:\/\/www\.googleapis\.com\/auth\/[a-z0-9._-]+$/.test(scope) && scope !== 'openid' && scope !== 'email')
      throw new CredentialError('invalid_ref', `${JSON.stringify(scope.slice(0, 120))} is not a Google OAuth scope`);
  return wanted;
}

const resource = (account: string): string => `${SA_RESOURCE_PREFIX}${account}`;

/** `exp` of a JWT, read without verifying it (it came from Google over TLS); undefined if unreadable. */
function jwtExpiry(token: SecretValue): number | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.reveal().split('.')[1] ?? '', 'base64url').toString('utf8'));
    const exp = typeof payload === 'object' && payload !== null ? (payload as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function iamError(account: string, error: IamApiError): CredentialError {
  switch (error.status) {
    case 'PERMISSION_DENIED':
      return new CredentialError(
        'denied',
        `IAM Credentials refused a token for ${account} (PERMISSION_DENIED): the agent's identity (or a delegate) needs roles/iam.serviceAccountTokenCreator on it, or the account does not exist`,
      );
    case 'UNAUTHENTICATED':
      return new CredentialError('denied', "IAM Credentials refused the agent's own Google credentials (UNAUTHENTICATED)");
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
    case 'NOT_FOUND':
      return new CredentialError('invalid_ref', `IAM Credentials refused the request for ${account} (${error.status}: ${scrub(error.details)})`);
    default:
      return new CredentialError('unavailable', `IAM Credentials did not mint a token for ${account} (${error.status})`);
  }
}

function identityError(error: unknown): CredentialError {
  if (error instanceof CredentialError) return error;
  const detail = error instanceof Error ? scrub(error.message) : 'unknown error';
  return new CredentialError('unavailable', `the agent's own Google credentials (ADC) are not usable: ${detail}`);
}

/** Server and library messages name scopes and accounts; this drops anything token-shaped anyway. */
function scrub(text: string): string {
  return text
    .replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[jwt]')
    .replace(/ya29\.[A-Za-z0-9._-]+/g, '[token]')
    .replace(/-----BEGIN[\s\S]*?-----END[^-]*-----/g, '[key]')
    .slice(0, 300);
}
