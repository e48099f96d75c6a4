/**
 * Structural validation of policy documents with zod (strict objects: an unknown key is an
 * error, so a typo such as `maxDuraton` cannot silently widen a rule). CEL and cross-rule
 * checks live in document.ts.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { issueAt, type PolicyIssue } from './errors.js';
import { CONNECTION_TYPES } from '@jitgate/contracts';
import { EFFECTS, IDENTITY_KINDS, type PolicyDocument } from './types.js';
import { MAX_CONDITION_LENGTH } from './cel.js';
import { guardrailSchema } from './guardrails.js';

export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_MESSAGE = 'must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit';

// Input bounds: policies are written by admins but stored and evaluated on every request,
// so every list and string has a ceiling.
export const MAX_RULES = 500;
const MAX_LIST = 100;
const MAX_KEYS = 32;

export const nameSchema = z.string().regex(NAME_RE, { error: NAME_MESSAGE });

const pattern = z.string().min(1).max(256);
const patternList = z.array(pattern).min(1).max(MAX_LIST);

// Attribute/label maps: key → one value or a non-empty list of values. zod's record silently
// drops a `__proto__` key (assigning it would change the prototype), which would make the
// matcher less strict than written, so it is reported instead.
const valueMap = z.preprocess(
  (value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'reserved key' });
    }
    return value;
  },
  z
    .record(
      z.string().min(1).max(128),
      z.union([z.string().max(256), z.array(z.string().max(256)).min(1).max(MAX_LIST)], {
        error: 'expected a string or a non-empty list of strings',
      }),
    )
    .refine((r) => Object.keys(r).length > 0, { error: 'must list at least one key' })
    .refine((r) => Object.keys(r).length <= MAX_KEYS, { error: `must list at most ${MAX_KEYS} keys` }),
);

const durationSchema = z
  .union([z.string().max(32), z.number()], {
    error: 'expected a duration such as "90s", "15m", "1h30m", "2d" or a number of seconds',
  })
  .superRefine((value, ctx) => {
    try {
      parseDuration(value);
    } catch (e: unknown) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : 'invalid duration' });
    }
  });

const matchSchema = z.strictObject({
  identity: z
    .strictObject({
      subjects: patternList.optional(),
      kinds: z.array(z.enum(IDENTITY_KINDS)).min(1).optional(),
      groups: patternList.optional(),
      attributes: valueMap.optional(),
    })
    .optional(),
  connection: z
    .strictObject({
      names: patternList.optional(),
      types: z.array(z.enum(CONNECTION_TYPES)).min(1).optional(),
      labels: valueMap.optional(),
    })
    .optional(),
  request: z.strictObject({ scopes: patternList.optional() }).optional(),
});

// Approver groups are compared exactly with the approver's groups (approvers.ts), so a glob
// here would never match anything: refuse it.
const approverGroup = z
  .string()
  .min(1)
  .max(256)
  .refine((g) => !g.includes('*'), { error: 'approver groups are exact names; "*" is not allowed' });

const ruleSchema = z
  .strictObject({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    effect: z.enum(EFFECTS),
    match: matchSchema.optional(),
    condition: z.string().min(1).max(MAX_CONDITION_LENGTH).optional(),
    maxDuration: durationSchema.optional(),
    approvals: z
      .strictObject({
        count: z.number().int().min(1).max(10),
        groups: z.array(approverGroup).min(1).max(MAX_LIST),
      })
      .optional(),
    rateLimit: z.strictObject({ max: z.number().int().min(1).max(10_000), window: durationSchema }).optional(),
  })
  .superRefine((rule, ctx) => {
    // Cross-field rules. Zod runs this only once the rule's own fields are valid.
    if (rule.effect === 'require-approval' && rule.approvals === undefined) {
      ctx.addIssue({ code: 'custom', path: ['approvals'], message: 'required when effect is require-approval' });
    }
    if (rule.effect !== 'require-approval' && rule.approvals !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['approvals'], message: `not allowed when effect is ${rule.effect}` });
    }
    // A deny applies whatever the duration, and denied requests are never rate limited.
    if (rule.effect === 'deny' && rule.maxDuration !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxDuration'], message: 'not allowed on a deny rule (a deny applies to every duration)' });
    }
    if (rule.effect === 'deny' && rule.rateLimit !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rateLimit'], message: 'not allowed on a deny rule' });
    }
  });

export const documentSchema = z
  .strictObject({
    rules: z.array(ruleSchema).max(MAX_RULES),
    guardrails: z
      .array(guardrailSchema(nameSchema, matchSchema, durationSchema))
      .max(MAX_RULES)
      .optional(),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    (doc.guardrails ?? []).forEach((g, i) => {
      if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: ['guardrails', i, 'name'], message: `duplicate guardrail name "${g.name}"` });
      seen.add(g.name);
    });
  });

// The hand-written public types (types.ts) are the contract; fail the build if the schema's
// output ever stops matching them.
type Schema = z.infer<typeof documentSchema>;
const schemaMatchesTypes: [Schema extends PolicyDocument ? true : false, PolicyDocument extends Schema ? true : false] = [true, true];
void schemaMatchesTypes;

/** Converts zod issues to PolicyIssues; an unknown key gets its own issue at its own path. */
export function toIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(issueAt([...path, key], 'unknown key'));
    } else {
      out.push(issueAt(path, issue.message));
    }
  }
  return out;
}
