/** Builders shared by the evaluate specs (test-only: excluded from the build). */
import { compilePolicies, type CompiledPolicies } from './compile.js';
import { evaluate } from './evaluate.js';
import type { Decision, EvaluationInput, RuleSpec } from './types.js';

export const NOW = new Date('2024-05-01T10:00:00Z'); // a Wednesday

export interface Overrides {
  identity?: Partial<EvaluationInput['identity']>;
  connection?: Partial<EvaluationInput['connection']>;
  request?: Partial<EvaluationInput['request']>;
  now?: Date;
  recentRequests?: Date[];
}

export function input(over: Overrides = {}): EvaluationInput {
  return {
    identity: { id: 'id-alice', subject: 'alice@corp.com', kind: 'human', groups: ['eng', 'dba'], attributes: { team: 'payments' }, ...over.identity },
    connection: { name: 'prod-orders', type: 'postgres', labels: { env: 'prod' }, ...over.connection },
    request: { durationSeconds: 1800, reason: 'INC-1', scope: null, startAt: null, ...over.request },
    now: over.now ?? NOW,
    recentRequests: over.recentRequests ?? [],
  };
}

export function compile(policies: Record<string, RuleSpec[]>): CompiledPolicies {
  return compilePolicies(Object.entries(policies).map(([name, rules]) => ({ name, document: { rules } })));
}

export function decide(rules: RuleSpec[], over: Overrides = {}): Decision {
  return evaluate(compile({ p: rules }), input(over));
}

export const auto = (name: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({ name, effect: 'auto-approve', ...extra });
export const approval = (name: string, count = 1, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  name,
  effect: 'require-approval',
  approvals: { count, groups: ['leads'] },
  ...extra,
});
export const deny = (name: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({ name, effect: 'deny', ...extra });

/** The deciding rule's name, or the deny code when no rule decided. */
export function outcome(d: Decision): string {
  if (d.effect !== 'deny') return `${d.effect}:${d.rule.rule}`;
  return d.rule === null ? `deny:${d.code}` : `deny:${d.code}:${d.rule.rule}`;
}
