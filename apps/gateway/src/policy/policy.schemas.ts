import { z } from 'zod';

export const policyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-"');

/** The rules are validated by @jitgate/policy (parsePolicyDocument), which knows their grammar. */
export const createPolicyBody = z
  .object({
    name: policyName,
    description: z.string().max(2000).default(''),
    rules: z.array(z.unknown()).min(1).max(500),
  })
  .strict();

export const replacePolicyBody = z
  .object({
    description: z.string().max(2000).default(''),
    rules: z.array(z.unknown()).min(1).max(500),
  })
  .strict();

export type CreatePolicyBody = z.output<typeof createPolicyBody>;
export type ReplacePolicyBody = z.output<typeof replacePolicyBody>;
