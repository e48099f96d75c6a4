// The access tokens the IAM Credentials stand-in has minted, so that the API stand-ins (BigQuery,
// Cloud Storage) can do what Google's front end does with a bearer token: look it up
// (https://oauth2.googleapis.com/tokeninfo answers the same fields), refuse it once expired, and
// compare its scopes with the method's. A token nobody minted is unknown, like a forged one.

export interface AccessTokenInfo {
  /** The service account the token was minted for (tokeninfo's `email`). */
  serviceAccount: string;
  scopes: readonly string[];
  expiresAtMs: number;
}

export class AccessTokenRegistry {
  private readonly tokens = new Map<string, AccessTokenInfo>();

  constructor(private readonly now: () => number) {}

  /**
   * Records a minted token. The stand-in's tokens are deterministic per account and scopes, so a
   * second mint of the same pair extends the same token, as a fresh token would be valid longer.
   */
  record(token: string, info: AccessTokenInfo): void {
    const known = this.tokens.get(token);
    this.tokens.set(token, known && known.expiresAtMs > info.expiresAtMs ? known : { ...info, scopes: [...info.scopes] });
  }

  /** What tokeninfo would say: the token's account, scopes and expiry; undefined when unknown or expired. */
  introspect(token: string): AccessTokenInfo | undefined {
    const info = this.tokens.get(token);
    return info && info.expiresAtMs > this.now() ? info : undefined;
  }
}
