import { createRemoteJWKSet, errors, type CompactJWSHeaderParameters, type CryptoKey, type FlattenedJWSInput, type RemoteJWKSet } from 'jose';
import { OidcVerificationError } from './oidc-verification.error.js';

export interface OidcKeySourceOptions {
  fetchTimeoutMs: number;
  /** jose's refetch cooldown for unknown `kid`s, and how long a failed discovery is remembered. */
  cooldownMs: number;
  /** How long a fetched key set is used before it is fetched again. */
  jwksMaxAgeMs: number;
}

// A discovery document is a few KB; anything far larger is not one.
const MAX_DISCOVERY_BYTES = 512 * 1024;

/**
 * Where an issuer's JWKS comes from. `undiscovered` → `discovering` → `ready` is the normal path;
 * `failed` holds a discovery error for `cooldownMs` so that an unreachable issuer is not asked
 * again on every request, after which the next request retries (the issuer may be back).
 * Pinned by "reports jwks_unavailable while the issuer is down ..." in oidc-verifier.spec.ts.
 */
type KeySourceState = { kind: 'undiscovered' } | { kind: 'discovering'; promise: Promise<RemoteJWKSet> } | { kind: 'ready'; jwks: RemoteJWKSet } | { kind: 'failed'; at: number; reason: string };

/**
 * The signing keys of one issuer. Caching, refetch on an unknown `kid` (key rotation) and the
 * cooldown between such refetches are jose's createRemoteJWKSet; this class adds discovery of the
 * JWKS URI and turns fetch failures into `jwks_unavailable`. Rotation is pinned by
 * "OidcVerifier across key rotation" in oidc-verifier.spec.ts.
 */
export class OidcKeySource {
  private state: KeySourceState;

  constructor(
    private readonly issuer: string,
    jwksUri: string | undefined,
    private readonly options: OidcKeySourceOptions,
  ) {
    this.state = jwksUri === undefined ? { kind: 'undiscovered' } : { kind: 'ready', jwks: this.remoteSet(jwksUri) };
  }

  /** Key resolver for jwtVerify. */
  readonly getKey = async (header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const jwks = await this.keySet();
    try {
      return await jwks(header, token);
    } catch (error) {
      // These describe the token (its kid or alg), not the key set; the verifier maps them.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) {
        throw error;
      }
      throw unavailable(`signing keys of ${this.issuer} could not be fetched: ${describeFetchError(error)}`);
    }
  };

  private async keySet(): Promise<RemoteJWKSet> {
    const state = this.state;
    switch (state.kind) {
      case 'ready':
        return state.jwks;
      case 'discovering':
        return state.promise;
      case 'failed': {
        const ageMs = Date.now() - state.at;
        if (ageMs < this.options.cooldownMs) {
          throw unavailable(`${state.reason} (${Math.ceil(ageMs / 1000)} s ago; retrying after the cooldown)`);
        }
        return this.startDiscovery();
      }
      case 'undiscovered':
        return this.startDiscovery();
    }
  }

  private startDiscovery(): Promise<RemoteJWKSet> {
    const promise = this.discover().then(
      (jwks) => {
        this.state = { kind: 'ready', jwks };
        return jwks;
      },
      (error: unknown) => {
        const reason = error instanceof OidcVerificationError ? error.message : describeFetchError(error);
        this.state = { kind: 'failed', at: Date.now(), reason };
        throw error instanceof OidcVerificationError ? error : unavailable(reason);
      },
    );
    // Concurrent requests during discovery share this one fetch.
    this.state = { kind: 'discovering', promise };
    return promise;
  }

  /** OpenID Connect Discovery 1.0 §4: the document's `issuer` must equal the configured one. */
  private async discover(): Promise<RemoteJWKSet> {
    const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let text: string;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        // A redirect could point the key lookup at another host; real issuers answer directly.
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw unavailable(`discovery at ${url} answered HTTP ${response.status}`);
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof OidcVerificationError) throw error;
      throw unavailable(`discovery at ${url} failed: ${describeFetchError(error)}`);
    }
    if (text.length > MAX_DISCOVERY_BYTES) {
      throw unavailable(`discovery document at ${url} is larger than ${MAX_DISCOVERY_BYTES} bytes`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw unavailable(`discovery document at ${url} is not JSON`);
    }
    if (typeof document !== 'object' || document === null) {
      throw unavailable(`discovery document at ${url} is not a JSON object`);
    }
    const { issuer, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown };
    if (issuer !== this.issuer) {
      throw unavailable(`discovery document at ${url} names issuer ${JSON.stringify(issuer)}, expected ${this.issuer}`);
    }
    if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri) || !URL.canParse(jwksUri)) {
      throw unavailable(`discovery document at ${url} has no usable jwks_uri`);
    }
    return this.remoteSet(jwksUri);
  }

  private remoteSet(jwksUri: string): RemoteJWKSet {
    return createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.options.fetchTimeoutMs,
      cooldownDuration: this.options.cooldownMs,
      cacheMaxAge: this.options.jwksMaxAgeMs,
    });
  }
}

function unavailable(message: string): OidcVerificationError {
  return new OidcVerificationError('jwks_unavailable', message);
}

/** A short reason for a failed fetch: undici hides the socket error ("ECONNREFUSED") in `cause`. */
function describeFetchError(error: unknown): string {
  if (error instanceof errors.JWKSTimeout || (error instanceof Error && error.name === 'TimeoutError')) {
    return 'timed out';
  }
  if (!(error instanceof Error)) return 'unknown error';
  const cause: unknown = error.cause;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  return code === undefined ? error.message : `${error.message} (${code})`;
}
