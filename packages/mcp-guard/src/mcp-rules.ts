import { globMatch } from './glob.js';
import type { McpPolicy } from './mcp-policy.js';

/** Where a decision came from: `tools[2]`, `resources[0]`, `default`, `otherMethods`. */
export type RuleRef = string;

export interface RuleOutcome<A extends string> {
  action: A;
  rule: RuleRef;
}

interface NamedRule<A extends string> {
  name: string;
  action: A;
  when?: { arguments?: Record<string, string | string[]> | undefined } | undefined;
}

type Condition = 'match' | 'nomatch' | 'unknown';

/**
 * `match` when every named top-level argument is a string matching (one of) its globs;
 * `nomatch` when one is absent or a string that does not match; otherwise `unknown` (present but
 * not a string: the condition cannot be evaluated).
 */
function evaluateWhen(when: NamedRule<string>['when'], args: Record<string, unknown>): Condition {
  const conditions = when?.arguments;
  if (conditions === undefined) return 'match';
  let result: Condition = 'match';
  for (const [key, globs] of Object.entries(conditions)) {
    if (!Object.hasOwn(args, key)) return 'nomatch';
    const value = args[key];
    if (typeof value !== 'string') {
      result = 'unknown';
      continue;
    }
    const list = typeof globs === 'string' ? [globs] : globs;
    if (!list.some((g) => globMatch(g, value))) return 'nomatch';
  }
  return result;
}

const defaultOutcome = (policy: McpPolicy): RuleOutcome<'allow' | 'deny'> => ({
  action: policy.default ?? 'deny',
  rule: 'default',
});

/**
 * First matching rule wins. A condition that cannot be evaluated (a non-string argument) counts
 * as matched for `deny` / `approve` rules and unmatched for `allow` rules, so a caller cannot
 * slip past a deny by sending a number or an object where a string was expected.
 */
export function matchNamedRule<A extends string>(
  rules: readonly NamedRule<A>[] | undefined,
  section: 'tools' | 'prompts',
  name: string,
  args: Record<string, unknown>,
  policy: McpPolicy,
): RuleOutcome<A | 'allow' | 'deny'> {
  const list = rules ?? [];
  for (let i = 0; i < list.length; i++) {
    const rule = list[i]!;
    if (!globMatch(rule.name, name)) continue;
    const c = evaluateWhen(rule.when, args);
    if (c === 'match' || (c === 'unknown' && rule.action !== 'allow')) return { action: rule.action, rule: `${section}[${i}]` };
  }
  return defaultOutcome(policy);
}

export function matchResourceRule(policy: McpPolicy, uri: string): RuleOutcome<'allow' | 'deny'> {
  const list = policy.resources ?? [];
  for (let i = 0; i < list.length; i++) {
    const rule = list[i]!;
    if (globMatch(rule.uri, uri)) return { action: rule.action, rule: `resources[${i}]` };
  }
  return defaultOutcome(policy);
}

/** Listing visibility: see `visibility` in mcp-lists.ts. */
export type Visibility = 'hidden' | 'visible' | 'approval' | 'conditional-approval';

/**
 * Whether a name can be called with *some* arguments. Rules with a condition never hide a name
 * (a later rule may still allow it), an unconditional deny does; a reachable `allow` shows it,
 * a reachable `approve` shows it annotated.
 */
export function namedVisibility(rules: readonly NamedRule<string>[] | undefined, name: string, policy: McpPolicy): Visibility {
  let conditionalApprove = false;
  for (const rule of rules ?? []) {
    if (!globMatch(rule.name, name)) continue;
    const conditional = rule.when?.arguments !== undefined && Object.keys(rule.when.arguments).length > 0;
    if (rule.action === 'approve') {
      if (!conditional) return 'approval';
      conditionalApprove = true;
    } else if (rule.action === 'allow') {
      return conditionalApprove ? 'conditional-approval' : 'visible';
    } else if (!conditional) {
      return conditionalApprove ? 'conditional-approval' : 'hidden';
    }
  }
  if ((policy.default ?? 'deny') === 'allow' || conditionalApprove) return conditionalApprove ? 'conditional-approval' : 'visible';
  return 'hidden';
}
