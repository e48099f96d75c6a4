import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { readAttributes, readGroups, readStringClaim } from './oidc-claims.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_OIDC_ALGORITHMS, oidcIssuersSchema, type OidcIssuerConfig } from '../../../platform/config/oidc-issuers.schema.js';
import { OidcKeySource } from './oidc-key-source.js';
import { describeClaimValue, OidcVerificationError } from './oidc-verification.error.js';

export { oidcIssuersSchema, type OidcIssuerConfig } from '../../../platform/config/oidc-issuers.schema.js';
export { OidcVerificationError, type OidcVerificationErrorCode } from './oidc-verification.error.js';

export interface VerifiedOidcIdentity {
  issuer: string;
  subject: string;
  displayName: string;
  kind: 'human' | 'service';
  groups: string[];
  attributes: Record<string, unknown>;
  expiresAt: Date;
}

export interface OidcVerifierOptions {
  /** Timeout of each discovery or JWKS request. Default 5 s. */
  fetchTimeoutMs?: number;
  /**
   * Minimum time between JWKS refetches triggered by an unknown `kid` (so random kids cannot make
   * the gateway hammer an issuer), and how long a failed discovery fails fast before it is
   * retried. Default 30 s.
   */
  cooldownMs?: number;
  /**
   * How long a fetched JWKS is used before it is fetched again. This bounds how long a key the
   * issuer has withdrawn keeps verifying when no token with a new `kid` arrives. Default 10 min.
   */
  jwksMaxAgeMs?: number;
  /** Clock for `exp`/`nbf` checks, injectable so expiry can be tested without sleeping. */
  now?: () => Date;
}

// Far above any real token (Azure AD with 200 groups is ~8 KB) and far below what would make
// base64 decoding or JSON parsing of an unauthenticated input expensive.
const MAX_TOKEN_LENGTH = 32 * 1024;
const JWS_COMPACT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface IssuerEntry {
  issuer: string;
  kind: 'human' | 'service';
  groupsClaim: string;
  subjectClaim: string;
  nameClaim: string;
  attributeClaims: readonly string[];
  keys: OidcKeySource;
  verifyOptions: Readonly<JWTVerifyOptions>;
}

/**
 * Verifies bearer JWTs from the configured OpenID Connect issuers and maps their claims to an
 * identity. The token's unverified `iss` only selects which issuer's keys and rules apply;
 * everything else is trusted only after jose has checked signature, `iss`, `aud`, `exp` and `nbf`.
 */
export class OidcVerifier {
  private readonly issuers = new Map<string, IssuerEntry>();
  private readonly now: () => Date;

  constructor(issuers: OidcIssuerConfig[], options: OidcVerifierOptions = {}) {
    // Parsed again although the config loader already did: the type allows `algorithms: ['HS256']`
    // and duplicate issuers, and this class must never run with either.
    const parsed = oidcIssuersSchema.safeParse(issuers);
    if (!parsed.success) {
      throw new Error(`invalid OIDC issuer configuration: ${z.prettifyError(parsed.error)}`);
    }
    const keyOptions = {
      fetchTimeoutMs: options.fetchTimeoutMs ?? 5_000,
      cooldownMs: options.cooldownMs ?? 30_000,
      jwksMaxAgeMs: options.jwksMaxAgeMs ?? 10 * 60_000,
    };
    this.now = options.now ?? (() => new Date());
    for (const config of parsed.data) {
      this.issuers.set(config.issuer, {
        issuer: config.issuer,
        kind: config.kind ?? 'human',
        groupsClaim: config.groupsClaim,
        subjectClaim: config.subjectClaim ?? 'sub',
        nameClaim: config.nameClaim ?? 'email',
        attributeClaims: config.attributeClaims ?? [],
        keys: new OidcKeySource(config.issuer, config.jwksUri, keyOptions),
        verifyOptions: {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...(config.algorithms ?? DEFAULT_OIDC_ALGORITHMS)],
          clockTolerance: config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
          // Without `exp` a token would be valid forever and the identity would have no expiry.
          requiredClaims: ['exp'],
        },
      });
    }
  }

  /** Cheap shape test so a guard can tell JWTs from other bearer credentials. Never throws. */
  looksLikeJwt(token: string): boolean {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !JWS_COMPACT_SHAPE.test(token)) {
      return false;
    }
    try {
      return typeof decodeProtectedHeader(token).alg === 'string';
    } catch {
      return false;
    }
  }

  /** Throws OidcVerificationError for any refused token. */
  async verify(token: string): Promise<VerifiedOidcIdentity> {
    const entry = this.selectIssuer(token);
    const payload = await this.verifyToken(token, entry);
    return toIdentity(entry, payload);
  }

  private selectIssuer(token: string): IssuerEntry {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new OidcVerificationError('invalid_token', `bearer token is empty or longer than ${MAX_TOKEN_LENGTH} characters`);
    }
    let claims: JWTPayload;
    try {
      // Unverified: used only to pick the issuer whose keys will verify the token.
      claims = decodeJwt(token);
    } catch {
      throw new OidcVerificationError('invalid_token', 'bearer token is not a well-formed JWT');
    }
    if (typeof claims.iss !== 'string') {
      throw new OidcVerificationError('invalid_token', 'token has no "iss" claim');
    }
    const entry = this.issuers.get(claims.iss);
    if (entry === undefined) {
      throw new OidcVerificationError('unknown_issuer', `token issuer ${describeClaimValue(claims.iss)} is not configured`);
    }
    return entry;
  }

  private async verifyToken(token: string, entry: IssuerEntry): Promise<JWTPayload> {
    const options: JWTVerifyOptions = { ...entry.verifyOptions, currentDate: this.now() };
    try {
      return (await jwtVerify(token, entry.keys.getKey, options)).payload;
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        return verifyWithCandidates(token, error, options, entry.issuer);
      }
      throw toVerificationError(error, entry.issuer);
    }
  }
}

/**
 * A token without `kid` while the issuer publishes several keys of its type (typical during a
 * rotation): jose 6 does not try them itself but hands the candidates over on the error.
 * Pinned by "tries every published key when a token carries no kid" (static-jwks spec).
 */
async function verifyWithCandidates(token: string, candidates: errors.JWKSMultipleMatchingKeys, options: JWTVerifyOptions, issuer: string): Promise<JWTPayload> {
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      // Only a signature mismatch means "try the next key"; an expired token stays expired.
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) {
        throw toVerificationError(error, issuer);
      }
    }
  }
  throw new OidcVerificationError('bad_signature', `token signature does not match any key of ${issuer}`);
}

function toIdentity(entry: IssuerEntry, payload: JWTPayload): VerifiedOidcIdentity {
  const subject = readStringClaim(payload, entry.subjectClaim);
  if (subject === undefined) {
    throw new OidcVerificationError('invalid_token', `token from ${entry.issuer} has no string "${entry.subjectClaim}" claim`);
  }
  return {
    issuer: entry.issuer,
    subject,
    displayName: readStringClaim(payload, entry.nameClaim) ?? subject,
    kind: entry.kind,
    groups: readGroups(payload, entry.groupsClaim),
    attributes: readAttributes(payload, entry.attributeClaims),
    // jose has checked `exp` is present and a number (requiredClaims + its own type check).
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}

/** Maps jose's errors to codes. Messages are ours: jose's carry the decoded payload in `cause`. */
function toVerificationError(error: unknown, issuer: string): Error {
  if (error instanceof OidcVerificationError) return error;
  if (error instanceof errors.JWTExpired) {
    return new OidcVerificationError('expired', `token from ${issuer} has expired`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return new OidcVerificationError('not_yet_valid', `token from ${issuer} is not valid yet (nbf)`);
      case 'aud':
        return new OidcVerificationError('wrong_audience', `token from ${issuer} has audience ${describeClaimValue(error.payload.aud)}, which this gateway does not accept`);
      default:
        return new OidcVerificationError('invalid_token', `token from ${issuer} failed the "${error.claim}" claim check (${error.reason})`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new OidcVerificationError('alg_not_allowed', `token from ${issuer} uses a signing algorithm that is not allowed`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new OidcVerificationError('bad_signature', `token signature does not verify with the keys of ${issuer}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new OidcVerificationError('unknown_key', `token is signed with a key ${issuer} does not publish`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return new OidcVerificationError('invalid_token', `token from ${issuer} is malformed or uses an unsupported feature`);
  }
  // Anything else is a bug or a runtime fault, not a verdict on the token: let it surface as a 500.
  return error instanceof Error ? error : new Error(String(error));
}
