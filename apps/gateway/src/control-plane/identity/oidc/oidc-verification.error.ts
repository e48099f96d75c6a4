/**
 * Why a bearer token was refused. Every code except `jwks_unavailable` means "this token will
 * never be accepted"; `jwks_unavailable` means the issuer's keys could not be fetched and the same
 * token may pass later (a transport can map it to 503 instead of 401).
 */
export type OidcVerificationErrorCode = 'unknown_issuer' | 'invalid_token' | 'expired' | 'not_yet_valid' | 'wrong_audience' | 'bad_signature' | 'unknown_key' | 'alg_not_allowed' | 'jwks_unavailable';

/**
 * The only error OidcVerifier.verify throws for a refused token. Messages name the issuer and the
 * failed check, never the token itself: they end up in logs and HTTP responses.
 */
export class OidcVerificationError extends Error {
  override readonly name = 'OidcVerificationError';

  constructor(
    readonly code: OidcVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Renders a token-supplied value for an error message: JSON-quoted (no raw newlines reach a log
 * line) and cut short (a token can carry kilobytes of claims).
 */
export function describeClaimValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
