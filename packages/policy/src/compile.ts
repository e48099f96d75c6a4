/** Turns validated policies into the form `evaluate` runs: globs, sets and CEL plans built once. */
import type { CelProgram } from './cel.js';
import { checkDocument } from './document.js';
import { strictestHttp } from './guardrails-http.js';
import { compileGuardrail, effectiveBlock, resolveGuardrailRules, type CompiledGuardrail, type GuardrailInput, type ResolvedGuardrails } from './guardrails.js';
import { parseDuration } from './duration.js';
import { invalidPolicy, issueAt, type PolicyIssue } from './errors.js';
import { compileMatch, type CompiledMatch } from './matchers.js';
import { NAME_RE } from './schema.js';
import { specificity } from './specificity.js';
import type { Effect, PolicyDocument, RuleRef } from './types.js';

declare const compiledBrand: unique symbol;

/** Opaque result of `compilePolicies`; only `evaluate` and `maxRateWindowSeconds` read it. */
export interface CompiledPolicies {
  readonly [compiledBrand]: true;
  /** Policy names, in input order (for logs and metrics). */
  readonly policies: readonly string[];
  readonly ruleCount: number;
}

export interface CompiledRule {
  readonly ref: RuleRef;
  readonly description: string | undefined;
  readonly effect: Effect;
  readonly match: CompiledMatch;
  readonly condition: CelProgram | null;
  readonly maxDurationSeconds: number | null;
  readonly approvals: { readonly count: number; readonly groups: readonly string[] } | null;
  readonly rateLimit: { readonly max: number; readonly windowSeconds: number } | null;
  readonly specificity: number;
}

export interface CompiledState {
  readonly rules: readonly CompiledRule[];
  readonly guardrails: readonly CompiledGuardrail[];
  readonly maxRateWindowSeconds: number;
}

// The public object is a frozen token; the rules live here, so callers cannot reach into or
// forge compiled policies (a forged token has no state and `evaluate` denies).
const states = new WeakMap<CompiledPolicies, CompiledState>();

export function compiledState(compiled: CompiledPolicies): CompiledState | undefined {
  return states.get(compiled);
}

/**
 * Validates and compiles a set of policies. Throws `PolicyError('invalid_policy')` if any
 * policy is invalid, rather than skipping it: skipping a broken deny policy would fail open.
 */
export function compilePolicies(policies: Array<{ name: string; document: PolicyDocument }>): CompiledPolicies {
  const issues: PolicyIssue[] = [];
  const rules: CompiledRule[] = [];
  const guardrails: CompiledGuardrail[] = [];
  const seen = new Set<string>();
  policies.forEach(({ name, document }, index) => {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      issues.push(issueAt([index, 'name'], `invalid policy name ${JSON.stringify(name)}`));
      return;
    }
    if (seen.has(name)) {
      issues.push(issueAt([index, 'name'], `duplicate policy name "${name}"`));
      return;
    }
    seen.add(name);
    // Documents are re-validated: rows in the database may predate the current rules.
    const checked = checkDocument(document, [name]);
    if (!checked.ok) {
      issues.push(...checked.issues);
      return;
    }
    checked.value.document.rules.forEach((rule, i) => {
      const match = compileMatch(rule.match);
      const condition = checked.value.programs[i] ?? null;
      rules.push({
        ref: { policy: name, rule: rule.name },
        description: rule.description,
        effect: rule.effect,
        match,
        condition,
        maxDurationSeconds: rule.maxDuration === undefined ? null : parseDuration(rule.maxDuration),
        approvals: rule.approvals ? { count: rule.approvals.count, groups: [...rule.approvals.groups] } : null,
        rateLimit: rule.rateLimit ? { max: rule.rateLimit.max, windowSeconds: parseDuration(rule.rateLimit.window) } : null,
        specificity: specificity(match, condition !== null),
      });
    });
    for (const spec of checked.value.document.guardrails ?? []) guardrails.push(compileGuardrail(name, spec));
  });
  if (issues.length > 0) throw invalidPolicy(issues, 'policies');

  const maxWindow = rules.reduce((max, r) => Math.max(max, r.rateLimit?.windowSeconds ?? 0), 0);
  const token = Object.freeze({ policies: Object.freeze(policies.map((p) => p.name)), ruleCount: rules.length }) as CompiledPolicies;
  states.set(token, { rules, guardrails, maxRateWindowSeconds: maxWindow });
  return token;
}

/**
 * The guardrails of a session (guardrails.ts). Forged or missing compiled policies give the
 * strictest answer a session can still work with: read-only, the whole baseline blocked,
 * unparseable refused.
 */
export function resolveGuardrails(compiled: CompiledPolicies, input: GuardrailInput): ResolvedGuardrails {
  const state = states.get(compiled);
  if (!state) {
    return {
      applied: [],
      sql: { readOnly: true, block: effectiveBlock(new Set(), new Set()), allow: [], requireApproval: [], approvals: null, approvalTimeoutSeconds: null, unparseable: 'refuse' },
      http: strictestHttp(),
      masking: { columns: [], detectors: [], jsonPaths: [] },
      gcp: null,
    };
  }
  return resolveGuardrailRules(state.guardrails, input);
}

/** The longest rate-limit window in seconds (0 when no rule has one): how far back the caller must look. */
export function maxRateWindowSeconds(compiled: CompiledPolicies): number {
  return states.get(compiled)?.maxRateWindowSeconds ?? 0;
}
