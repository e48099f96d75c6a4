/**
 * The decision procedure (README.md "Decisions"): deny rules win, then rate limits, then the
 * most specific allowing rule. Pure: `now` and past requests are input; it never throws.
 */
import { buildBindings, runCondition, type CelBindings } from './cel.js';
import { compiledState, type CompiledPolicies, type CompiledRule } from './compile.js';
import { formatDuration } from './duration.js';
import { matches } from './matchers.js';
import type { Decision, EvaluationInput, RuleRef } from './types.js';

type Deny = Extract<Decision, { effect: 'deny' }>;

/** Why an allowing rule that matched the request did not apply; used to explain a no-match. */
interface Miss {
  rule: CompiledRule;
  why: string;
}

export function evaluate(compiled: CompiledPolicies, input: EvaluationInput): Decision {
  try {
    return decide(compiled, input);
  } catch (e: unknown) {
    // Unreachable for well-typed input; a caller passing malformed data still gets a deny.
    const detail = e instanceof Error ? e.message : String(e);
    return deny(null, 'invalid_input', `evaluation failed: ${detail}`);
  }
}

function decide(compiled: CompiledPolicies, input: EvaluationInput): Decision {
  const state = compiledState(compiled);
  if (state === undefined) return deny(null, 'invalid_input', 'policies were not compiled by compilePolicies');
  const problem = inputProblem(input);
  if (problem !== null) return deny(null, 'invalid_input', problem);

  let bindings: CelBindings | undefined; // built on first use: most rules have no condition
  const denies: Array<{ rule: CompiledRule; conditionError: string | null }> = [];
  const allows: CompiledRule[] = [];
  const misses: Miss[] = [];

  for (const rule of state.rules) {
    if (!matches(rule.match, input)) continue;
    let conditionError: string | null = null;
    if (rule.condition !== null) {
      bindings ??= buildBindings(input);
      const outcome = runCondition(rule.condition, bindings);
      if (outcome.ok && !outcome.value) continue;
      if (!outcome.ok) conditionError = outcome.message;
    }
    if (rule.effect === 'deny') {
      // Fail closed: a deny rule whose condition cannot be evaluated counts as matching.
      denies.push({ rule, conditionError });
      continue;
    }
    if (conditionError !== null) {
      misses.push({ rule, why: `its condition failed (${conditionError})` });
    } else if (rule.maxDurationSeconds !== null && input.request.durationSeconds > rule.maxDurationSeconds) {
      misses.push({ rule, why: `it allows at most ${formatDuration(rule.maxDurationSeconds)}` });
    } else {
      allows.push(rule);
    }
  }

  const firstDeny = denies.sort((a, b) => bySpecificity(a.rule, b.rule))[0];
  if (firstDeny !== undefined) {
    const { rule, conditionError } = firstDeny;
    if (conditionError !== null) {
      return deny(rule.ref, 'condition_error', `denied: the condition of ${label(rule.ref)} failed (${conditionError})`);
    }
    const why = rule.description ? `: ${rule.description}` : '';
    return deny(rule.ref, 'denied_by_rule', `denied by ${label(rule.ref)}${why}`);
  }

  allows.sort(byPreference);
  const limited = rateLimited(allows, input);
  if (limited !== null) return limited;

  const best = allows[0];
  if (best === undefined) return noMatch(input, misses);
  if (best.effect === 'require-approval' && best.approvals !== null) {
    return {
      effect: 'require-approval',
      rule: best.ref,
      approvals: { count: best.approvals.count, groups: [...best.approvals.groups] },
      maxDurationSeconds: best.maxDurationSeconds,
    };
  }
  if (best.effect === 'auto-approve') {
    return { effect: 'auto-approve', rule: best.ref, maxDurationSeconds: best.maxDurationSeconds };
  }
  // Unreachable: validation guarantees approvals on require-approval rules. Deny by default.
  return deny(best.ref, 'denied_by_rule', `${label(best.ref)} is malformed`);
}

// Every applicable allowing rule with a rate limit counts the identity's earlier requests for
// this connection created in (now - window, now], plus any dated after `now` (clock skew
// between replicas must not open a gap). At or above `max`, the request is denied.
function rateLimited(allows: readonly CompiledRule[], input: EvaluationInput): Deny | null {
  const now = input.now.getTime();
  for (const rule of allows) {
    if (rule.rateLimit === null) continue;
    const { max, windowSeconds } = rule.rateLimit;
    const since = now - windowSeconds * 1000;
    const count = input.recentRequests.filter((d) => d.getTime() > since).length;
    if (count >= max) {
      return deny(rule.ref, 'rate_limited', `rate limited by ${label(rule.ref)}: ${count} request(s) in the last ${formatDuration(windowSeconds)}, at most ${max} allowed`);
    }
  }
  return null;
}

function noMatch(input: EvaluationInput, misses: readonly Miss[]): Deny {
  const base = `no rule allows ${input.identity.subject} to access ${input.connection.name}`;
  if (misses.length === 0) return deny(null, 'no_matching_rule', `${base} (denied by default)`);
  const requested = formatDuration(input.request.durationSeconds);
  const shown = [...misses]
    .sort((a, b) => bySpecificity(a.rule, b.rule))
    .slice(0, 3)
    .map((m) => `${label(m.rule.ref)} did not apply because ${m.why}`);
  const more = misses.length > 3 ? `; and ${misses.length - 3} more` : '';
  return deny(null, 'no_matching_rule', `${base} for ${requested}: ${shown.join('; ')}${more}`);
}

/** Most specific first; ties broken by policy then rule name, so the order is deterministic. */
function bySpecificity(a: CompiledRule, b: CompiledRule): number {
  return b.specificity - a.specificity || compareText(a.ref.policy, b.ref.policy) || compareText(a.ref.rule, b.ref.rule);
}

/**
 * Most specific first. Between equally specific rules, the one with the shorter maxDuration
 * (it covers fewer requests), so "auto-approve up to 1h" beside an unbounded
 * "require-approval" decides short requests. Then the stricter rule: more approvals, where
 * auto-approve counts as zero, so require-approval always beats it.
 */
function byPreference(a: CompiledRule, b: CompiledRule): number {
  return (
    b.specificity - a.specificity ||
    (a.maxDurationSeconds ?? Infinity) - (b.maxDurationSeconds ?? Infinity) ||
    (b.approvals?.count ?? 0) - (a.approvals?.count ?? 0) ||
    compareText(a.ref.policy, b.ref.policy) ||
    compareText(a.ref.rule, b.ref.rule)
  );
}

// Code-unit order, not localeCompare: the result must not depend on the host's locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inputProblem(input: EvaluationInput): string | null {
  if (!isValidDate(input.now)) return 'now is not a valid date';
  const d = input.request.durationSeconds;
  if (!Number.isSafeInteger(d) || d <= 0) return `durationSeconds must be a positive integer, got ${String(d)}`;
  if (input.request.startAt !== null && !isValidDate(input.request.startAt)) return 'startAt is not a valid date';
  if (!input.recentRequests.every(isValidDate)) return 'recentRequests contains an invalid date';
  return null;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function label(ref: RuleRef): string {
  return `policy "${ref.policy}" rule "${ref.rule}"`;
}

function deny(rule: RuleRef | null, code: Deny['code'], reason: string): Deny {
  return { effect: 'deny', rule: rule === null ? null : { ...rule }, code, reason };
}
