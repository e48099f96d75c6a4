import { z } from 'zod';

/** One trusted OpenID Connect issuer, as parsed from `JITGATE_OIDC_ISSUERS`. */
export interface OidcIssuerConfig {
  /** Exact `iss` value; tokens are routed to this entry by string equality. */
  issuer: string;
  /** Accepted `aud` values; a token passes when any of its audiences is listed. */
  audience: string | string[];
  /** When absent, read once from `${issuer}/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Claim holding group names; dotted paths ("realm_access.roles") reach nested objects. */
  groupsClaim: string;
  /** Default "sub". */
  subjectClaim?: string;
  /** Default "email", falling back to the subject. */
  nameClaim?: string;
  /** Default "human"; workload-identity issuers (CI) are "service". */
  kind?: 'human' | 'service';
  /** Claims copied verbatim into the identity's attributes. */
  attributeClaims?: string[];
  /** Default: DEFAULT_OIDC_ALGORITHMS. Only asymmetric algorithms are accepted. */
  algorithms?: string[];
  /** Default 30. */
  clockToleranceSeconds?: number;
}

/**
 * Asymmetric JWS algorithms only. HS* would let anyone holding the issuer's *public* key (or a
 * shared client secret) mint tokens, and `none` is unsigned; neither can be configured.
 */
export const ALLOWED_OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export const DEFAULT_OIDC_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

const httpUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'must be an http(s) URL');

// A claim path: names separated by dots, no empty segment ("a..b", ".a"). Segments that would walk
// the prototype chain are refused here as well as guarded at read time (oidc-claims.ts).
const claimPath = z
  .string()
  .min(1)
  .max(256)
  .refine((value) => value.split('.').every((part) => part.length > 0 && part !== '__proto__' && part !== 'constructor' && part !== 'prototype'), 'must be a claim name or a dotted path of claim names');

const audienceValue = z.string().min(1).max(1024);

const issuerSchema = z.strictObject({
  issuer: httpUrl,
  audience: z.union([audienceValue, z.array(audienceValue).min(1).max(32)]),
  jwksUri: httpUrl.optional(),
  groupsClaim: claimPath,
  subjectClaim: claimPath.optional(),
  nameClaim: claimPath.optional(),
  kind: z.enum(['human', 'service']).optional(),
  attributeClaims: z.array(claimPath).max(64).optional(),
  algorithms: z.array(z.enum(ALLOWED_OIDC_ALGORITHMS)).min(1).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
});

/**
 * Parses the issuer list. Strict objects: a misspelt key in security configuration ("audiences")
 * must stop start-up rather than silently fall back to a default.
 */
export const oidcIssuersSchema: z.ZodType<OidcIssuerConfig[]> = z
  .array(issuerSchema)
  .max(64)
  .superRefine((issuers, ctx) => {
    // Tokens are routed by `iss`; two entries for one issuer would make the routing ambiguous.
    const seen = new Set<string>();
    issuers.forEach((entry, index) => {
      if (seen.has(entry.issuer)) {
        ctx.addIssue({ code: 'custom', path: [index, 'issuer'], message: `duplicate issuer ${entry.issuer}` });
      }
      seen.add(entry.issuer);
    });
  });
