/**
 * Which Google identity the agent mints a session's tokens for (docs/http.md, "Who the token is
 * for"). A guardrail can name a service account and narrower scopes than the connection's, so
 * that, say, a less-trusted AI model's sessions run as a read-only account. The most specific
 * guardrail that names one wins (as for approvers); the agent refuses scopes wider than the
 * connection's, and Google's IAM refuses accounts the agent may not impersonate.
 */
import { gcpServiceAccount, googleApiScope } from '@jitgate/contracts';
import { z } from 'zod';
import type { RuleRef } from './types.js';

export interface GcpGuardrailSpec {
  serviceAccount?: string;
  scopes?: string[];
}

export interface ResolvedGcp {
  serviceAccount: string | null;
  scopes: string[] | null;
  rule: RuleRef;
}

export const gcpGuardrailSchema = z
  .strictObject({
    serviceAccount: gcpServiceAccount.optional(),
    scopes: z.array(googleApiScope).min(1).max(16).optional(),
  })
  .refine((g) => g.serviceAccount !== undefined || g.scopes !== undefined, { error: 'name a serviceAccount, scopes, or both' });

/** Guardrails in order of specificity, most specific first: the first that says wins. */
export function resolveGcp(applying: ReadonlyArray<{ spec: { gcp?: GcpGuardrailSpec }; ref: RuleRef }>): ResolvedGcp | null {
  for (const { spec, ref } of applying) {
    if (spec.gcp) return { serviceAccount: spec.gcp.serviceAccount ?? null, scopes: spec.gcp.scopes ? [...spec.gcp.scopes] : null, rule: ref };
  }
  return null;
}
