import { DETECTORS } from '@jitgate/masking';
import { z } from 'zod';

const MAX_PATTERN = 512;
const MAX_RULES = 1000;

const pattern = z.string().min(1).max(MAX_PATTERN);

/** Top-level argument conditions: each named argument must be a string matching (one of) the globs. */
const whenSchema = z.strictObject({
  arguments: z.record(z.string().min(1), z.union([pattern, z.array(pattern).min(1).max(100)])).optional(),
});

export const mcpToolRuleSchema = z.strictObject({
  name: pattern,
  action: z.enum(['allow', 'deny', 'approve']),
  when: whenSchema.optional(),
});

export const mcpPromptRuleSchema = z.strictObject({
  name: pattern,
  action: z.enum(['allow', 'deny']),
  when: whenSchema.optional(),
});

export const mcpResourceRuleSchema = z.strictObject({
  uri: pattern,
  action: z.enum(['allow', 'deny']),
});

export const mcpMaskingSchema = z.strictObject({
  /** JSON paths masked whole in `structuredContent` and JSON text (the masking package's syntax). */
  paths: z.array(z.string().min(1)).max(MAX_RULES).optional(),
  /** Property-name globs masked whole (the masking package's column globs). */
  columns: z.array(z.string().min(1)).max(MAX_RULES).optional(),
  detectors: z.array(z.enum(DETECTORS)).optional(),
});

/**
 * Plain data, so the policy package can embed it. Rules are tried in order and the first that
 * matches wins; `default` (absent = `deny`, fail closed) decides tools, prompts and resources no
 * rule matches. See README "Decisions".
 */
export const mcpPolicySchema = z.strictObject({
  tools: z.array(mcpToolRuleSchema).max(MAX_RULES).optional(),
  resources: z.array(mcpResourceRuleSchema).max(MAX_RULES).optional(),
  prompts: z.array(mcpPromptRuleSchema).max(MAX_RULES).optional(),
  default: z.enum(['allow', 'deny']).optional(),
  /** Methods this package does not classify (`other`). Absent = `deny`. */
  otherMethods: z.enum(['allow', 'deny']).optional(),
  masking: mcpMaskingSchema.optional(),
});

export type McpToolRule = z.infer<typeof mcpToolRuleSchema>;
export type McpPromptRule = z.infer<typeof mcpPromptRuleSchema>;
export type McpResourceRule = z.infer<typeof mcpResourceRuleSchema>;
export type McpMaskingPolicy = z.infer<typeof mcpMaskingSchema>;
export type McpPolicy = z.infer<typeof mcpPolicySchema>;
