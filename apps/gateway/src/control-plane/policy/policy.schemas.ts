import { z } from 'zod';

export const policyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-"');

/** The rules are validated by @jitgate/policy (parsePolicyDocument), which knows their grammar. */
export const createPolicyBody = z
  .object({
    name: policyName,
    description: z.string().max(2000).default(''),
    rules: z.array(z.unknown()).max(500),
    /** What sessions may do once a grant lets them in (docs/policies.md, "Guardrails"). */
    guardrails: z.array(z.unknown()).max(500).optional(),
  })
  .strict()
  .refine((body) => body.rules.length > 0 || (body.guardrails ?? []).length > 0, { message: 'a policy needs rules or guardrails', path: ['rules'] });

export const replacePolicyBody = z
  .object({
    description: z.string().max(2000).default(''),
    rules: z.array(z.unknown()).max(500),
    guardrails: z.array(z.unknown()).max(500).optional(),
  })
  .strict()
  .refine((body) => body.rules.length > 0 || (body.guardrails ?? []).length > 0, { message: 'a policy needs rules or guardrails', path: ['rules'] });

export type CreatePolicyBody = z.output<typeof createPolicyBody>;
export type ReplacePolicyBody = z.output<typeof replacePolicyBody>;
