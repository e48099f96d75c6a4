import { describe, expect, it } from 'vitest';
import { compilePolicies, maxRateWindowSeconds, type CompiledPolicies } from './compile.js';
import { evaluate } from './evaluate.js';
import type { EvaluationInput, RuleSpec } from './types.js';
import { approval, auto, compile, decide, deny, input, outcome } from './evaluate.fixtures.js';

describe('evaluate: decisions', () => {
  it('denies by default when there are no policies', () => {
    const d = evaluate(compilePolicies([]), input());
    expect(d).toMatchObject({ effect: 'deny', rule: null, code: 'no_matching_rule' });
    expect(d.effect === 'deny' ? d.reason : '').toMatch(/no rule allows alice@corp.com to access prod-orders.*denied by default/);
  });

  it('returns an auto-approve decision with the rule and its maxDuration', () => {
    expect(decide([auto('a', { maxDuration: '1h' })])).toEqual({
      effect: 'auto-approve',
      rule: { policy: 'p', rule: 'a' },
      maxDurationSeconds: 3600,
    });
  });

  it('returns a require-approval decision with approvals and a null maxDuration', () => {
    const rule: RuleSpec = { name: 'r', effect: 'require-approval', approvals: { count: 2, groups: ['leads', 'sre'] } };
    expect(decide([rule])).toEqual({
      effect: 'require-approval',
      rule: { policy: 'p', rule: 'r' },
      approvals: { count: 2, groups: ['leads', 'sre'] },
      maxDurationSeconds: null,
    });
  });

  it('returns a deny decision naming the rule and its description', () => {
    expect(decide([deny('no-prod', { description: 'prod is frozen' })])).toEqual({
      effect: 'deny',
      rule: { policy: 'p', rule: 'no-prod' },
      code: 'denied_by_rule',
      reason: 'denied by policy "p" rule "no-prod": prod is frozen',
    });
  });

  it('hands out copies: mutating a decision does not change the compiled policies', () => {
    const compiled = compile({ p: [approval('r', 1)] });
    const first = evaluate(compiled, input());
    if (first.effect === 'require-approval') first.approvals.groups.push('everyone');
    expect(evaluate(compiled, input())).toMatchObject({ approvals: { groups: ['leads'] } });
  });

  it('only applies rules whose matchers all match', () => {
    const rules = [auto('other-conn', { match: { identity: { groups: ['dba'] }, connection: { names: ['prod-users'] } } })];
    expect(outcome(decide(rules))).toBe('deny:no_matching_rule');
  });
});

describe('evaluate: deny wins', () => {
  it.each<[string, RuleSpec[], string]>([
    ['a broad deny beats a specific auto-approve', [auto('alice', { match: { identity: { subjects: ['alice@corp.com'] } } }), deny('all')], 'deny:denied_by_rule:all'],
    ['a broad deny beats a specific require-approval', [approval('alice', 1, { match: { identity: { subjects: ['alice@corp.com'] } } }), deny('all')], 'deny:denied_by_rule:all'],
    [
      'the most specific deny is reported',
      [deny('broad'), deny('by-name', { match: { connection: { names: ['prod-orders'] } } }), deny('by-type', { match: { connection: { types: ['postgres'] } } })],
      'deny:denied_by_rule:by-name',
    ],
    ['equal denies are reported in rule-name order', [deny('zeta'), deny('alpha')], 'deny:denied_by_rule:alpha'],
    ['a deny that does not match is ignored', [deny('svc', { match: { identity: { kinds: ['service'] } } }), auto('ok')], 'auto-approve:ok'],
    ['a deny ignores the request duration', [deny('all'), auto('ok', { maxDuration: '1d' })], 'deny:denied_by_rule:all'],
  ])('%s', (_label, rules, expected) => {
    expect(outcome(decide(rules))).toBe(expected);
  });

  it('a deny in one policy beats an allow in another', () => {
    const compiled = compile({ allow: [auto('everyone')], freeze: [deny('change-freeze')] });
    expect(evaluate(compiled, input())).toMatchObject({ effect: 'deny', rule: { policy: 'freeze', rule: 'change-freeze' } });
  });

  it('equal denies in different policies are reported in policy-name order', () => {
    const compiled = compile({ zz: [deny('a')], aa: [deny('b')] });
    expect(evaluate(compiled, input())).toMatchObject({ rule: { policy: 'aa', rule: 'b' } });
  });
});

describe('evaluate: specificity', () => {
  it.each<[string, RuleSpec[], string]>([
    [
      'a subject beats a group',
      [auto('by-group', { match: { identity: { groups: ['dba'] } } }), approval('by-subject', 1, { match: { identity: { subjects: ['alice@corp.com'] } } })],
      'require-approval:by-subject',
    ],
    [
      'a connection name beats a label',
      [approval('by-label', 1, { match: { connection: { labels: { env: 'prod' } } } }), auto('by-name', { match: { connection: { names: ['prod-orders'] } } })],
      'auto-approve:by-name',
    ],
    ['a group beats a kind', [approval('by-kind', 1, { match: { identity: { kinds: ['human'] } } }), auto('by-group', { match: { identity: { groups: ['dba'] } } })], 'auto-approve:by-group'],
    [
      'an attribute beats a connection type',
      [approval('by-type', 1, { match: { connection: { types: ['postgres'] } } }), auto('by-attr', { match: { identity: { attributes: { team: 'payments' } } } })],
      'auto-approve:by-attr',
    ],
    ['a scope beats a kind', [approval('by-kind', 1, { match: { identity: { kinds: ['human'] } } }), auto('by-scope', { match: { request: { scopes: ['*'] } } })], 'auto-approve:by-scope'],
    ['a kind beats a condition alone', [approval('by-cond', 1, { condition: 'true' }), auto('by-kind', { match: { identity: { kinds: ['human'] } } })], 'auto-approve:by-kind'],
    ['a condition beats nothing', [approval('catch-all'), auto('by-cond', { condition: "request.reason.startsWith('INC-')" })], 'auto-approve:by-cond'],
    ['an exact name beats a glob name', [approval('glob', 1, { match: { connection: { names: ['prod-*'] } } }), auto('exact', { match: { connection: { names: ['prod-orders'] } } })], 'auto-approve:exact'],
    ['an exact group beats a glob group', [approval('glob', 1, { match: { identity: { groups: ['db*'] } } }), auto('exact', { match: { identity: { groups: ['dba'] } } })], 'auto-approve:exact'],
    [
      'more matchers beat fewer',
      [approval('group', 1, { match: { identity: { groups: ['dba'] } } }), auto('group-and-type', { match: { identity: { groups: ['dba'] }, connection: { types: ['postgres'] } } })],
      'auto-approve:group-and-type',
    ],
    [
      'one exact subject beats every lower-tier matcher combined',
      [
        approval('subject', 1, { match: { identity: { subjects: ['alice@corp.com'] } } }),
        auto('everything-else', {
          match: {
            identity: { groups: ['dba'], kinds: ['human'], attributes: { team: 'payments' } },
            connection: { types: ['postgres'], labels: { env: 'prod' } },
            request: { scopes: ['*'] },
          },
          condition: 'true',
        }),
      ],
      'require-approval:subject',
    ],
  ])('%s', (_label, rules, expected) => {
    expect(outcome(decide(rules))).toBe(expected);
  });
});

describe('evaluate: ties between allowing rules', () => {
  it.each<[string, RuleSpec[], string]>([
    ['require-approval beats auto-approve', [auto('a'), approval('b')], 'require-approval:b'],
    ['require-approval beats auto-approve whatever the order', [approval('a'), auto('b')], 'require-approval:a'],
    ['more approvals beat fewer', [approval('a', 1), approval('b', 3), approval('c', 2)], 'require-approval:b'],
    ['then rule-name order', [auto('zeta'), auto('alpha')], 'auto-approve:alpha'],
    ['rule names compare by code unit, not locale', [auto('b'), auto('a-b'), auto('a.b')], 'auto-approve:a-b'],
  ])('%s', (_label, rules, expected) => {
    expect(outcome(decide(rules))).toBe(expected);
  });

  it('then policy-name order', () => {
    const compiled = compile({ second: [auto('x')], first: [auto('y')] });
    expect(evaluate(compiled, input())).toMatchObject({ rule: { policy: 'first', rule: 'y' } });
  });
});

describe('evaluate: invalid input', () => {
  const compiled = compile({ p: [auto('ok')] });
  it.each<[string, EvaluationInput]>([
    ['an invalid now', { ...input(), now: new Date(Number.NaN) }],
    ['a zero duration', input({ request: { durationSeconds: 0 } })],
    ['a fractional duration', input({ request: { durationSeconds: 1.5 } })],
    ['a negative duration', input({ request: { durationSeconds: -60 } })],
    ['an invalid startAt', input({ request: { startAt: new Date('nope') } })],
    ['an invalid recent request date', input({ recentRequests: [new Date('nope')] })],
  ])('denies %s', (_label, bad) => {
    expect(evaluate(compiled, bad)).toMatchObject({ effect: 'deny', rule: null, code: 'invalid_input' });
  });

  it('denies policies that were not compiled by compilePolicies', () => {
    const forged = { policies: ['p'], ruleCount: 1 } as unknown as CompiledPolicies;
    expect(evaluate(forged, input())).toMatchObject({ effect: 'deny', code: 'invalid_input' });
    expect(maxRateWindowSeconds(forged)).toBe(0);
  });

  it('denies instead of throwing on malformed input', () => {
    const malformed = { ...input(), identity: undefined } as unknown as EvaluationInput;
    expect(evaluate(compile({ p: [auto('ok', { match: { identity: { kinds: ['human'] } } })] }), malformed)).toMatchObject({
      effect: 'deny',
      code: 'invalid_input',
    });
  });
});
