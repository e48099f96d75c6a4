import { describe, expect, it } from 'vitest';
import type { RuleSpec } from './types.js';
import { approval, auto, decide, deny, outcome, type Overrides } from './evaluate.fixtures.js';

describe('evaluate: maxDuration', () => {
  const rules = [auto('short', { maxDuration: '1h' }), approval('long')];
  it.each<[number, string]>([
    [60, 'auto-approve:short'],
    [3600, 'auto-approve:short'],
    [3601, 'require-approval:long'],
    [86_400, 'require-approval:long'],
  ])('%i seconds → %s', (durationSeconds, expected) => {
    expect(outcome(decide(rules, { request: { durationSeconds } }))).toBe(expected);
  });

  it.each<[number, string]>([
    [1800, 'auto-approve:1h'],
    [3600, 'auto-approve:1h'],
    [7200, 'require-approval:8h'],
    [28_800, 'require-approval:8h'],
    [28_801, 'deny:no_matching_rule'],
  ])('with tiers up to 1h and up to 8h, %i seconds → %s', (durationSeconds, expected) => {
    const tiers = [approval('8h', 1, { maxDuration: '8h' }), auto('1h', { maxDuration: '1h' })];
    expect(outcome(decide(tiers, { request: { durationSeconds } }))).toBe(expected);
  });

  it('does not let a shorter maxDuration outrank a more specific matcher', () => {
    const rules = [auto('short', { maxDuration: '1h' }), approval('humans', 1, { match: { identity: { kinds: ['human'] } } })];
    expect(outcome(decide(rules))).toBe('require-approval:humans');
  });

  it('falls through to a less specific rule when the specific one is too short', () => {
    const specific = auto('dba', { match: { identity: { groups: ['dba'] } }, maxDuration: '30m' });
    expect(outcome(decide([specific, approval('anyone')], { request: { durationSeconds: 3600 } }))).toBe('require-approval:anyone');
  });

  it('explains a no-match caused by maxDuration', () => {
    const d = decide([auto('short', { maxDuration: '1h' })], { request: { durationSeconds: 7200 } });
    expect(d).toMatchObject({ effect: 'deny', rule: null, code: 'no_matching_rule' });
    expect(d.effect === 'deny' ? d.reason : '').toContain('for 2h: policy "p" rule "short" did not apply because it allows at most 1h');
  });

  it('does not mention rules that did not match for other reasons', () => {
    const rules = [auto('short', { maxDuration: '1h' }), auto('svc', { match: { identity: { kinds: ['service'] } }, maxDuration: '1h' })];
    const d = decide(rules, { request: { durationSeconds: 7200 } });
    expect(d.effect === 'deny' ? d.reason : '').not.toContain('svc');
  });

  it('lists at most three near misses', () => {
    const rules = ['a', 'b', 'c', 'd', 'e'].map((n) => auto(n, { maxDuration: '1h' }));
    const d = decide(rules, { request: { durationSeconds: 7200 } });
    expect(d.effect === 'deny' ? d.reason : '').toMatch(/rule "c" did not apply.*; and 2 more$/);
  });
});

describe('evaluate: CEL conditions', () => {
  it.each<[string, RuleSpec[], Overrides, string]>([
    ['a true condition applies the rule', [auto('inc', { condition: "request.reason.startsWith('INC-')" })], {}, 'auto-approve:inc'],
    ['a false condition skips the rule', [auto('inc', { condition: "request.reason.startsWith('CHG-')" })], {}, 'deny:no_matching_rule'],
    ['a condition on time (business hours)', [auto('hours', { condition: 'now.getHours() >= 9 && now.getHours() < 17' })], {}, 'auto-approve:hours'],
    ['a condition on time, outside hours', [auto('hours', { condition: 'now.getHours() >= 9 && now.getHours() < 17' })], { now: new Date('2024-05-01T20:00:00Z') }, 'deny:no_matching_rule'],
    ['a weekend deny on a weekday', [deny('weekend', { condition: 'now.getDayOfWeek() == 0 || now.getDayOfWeek() == 6' }), auto('ok')], {}, 'auto-approve:ok'],
    ['a weekend deny on a Sunday', [deny('weekend', { condition: 'now.getDayOfWeek() == 0 || now.getDayOfWeek() == 6' }), auto('ok')], { now: new Date('2024-05-05T10:00:00Z') }, 'deny:denied_by_rule:weekend'],
    ['a deny whose condition errors fails closed', [deny('clearance', { condition: 'identity.attributes.clearance < 2' }), auto('ok')], {}, 'deny:condition_error:clearance'],
    ['a deny whose condition returns a non-bool fails closed', [deny('odd', { condition: "request.scope == '' ? true : 'x'" }), auto('ok')], { request: { scope: 'read' } }, 'deny:condition_error:odd'],
    ['an allow whose condition errors does not apply', [approval('clearance', 1, { condition: 'identity.attributes.clearance > 2' })], {}, 'deny:no_matching_rule'],
    ['an allow whose condition errors falls through to another rule', [auto('clearance', { condition: 'identity.attributes.clearance > 2' }), approval('fallback')], {}, 'require-approval:fallback'],
    [
      'an erroring deny whose matchers do not match is ignored',
      [deny('svc', { match: { identity: { kinds: ['service'] } }, condition: 'identity.attributes.clearance < 2' }), auto('ok')],
      {},
      'auto-approve:ok',
    ],
    [
      'a clean deny is reported over a less specific erroring one',
      [deny('broken', { condition: 'identity.attributes.clearance < 2' }), deny('named', { match: { connection: { names: ['prod-orders'] } } })],
      {},
      'deny:denied_by_rule:named',
    ],
    ['a condition on the scope', [auto('ro', { condition: "request.scope == 'read'" })], { request: { scope: 'read' } }, 'auto-approve:ro'],
    ['a condition on a label', [auto('prod', { condition: "connection.labels.env == 'prod'" })], {}, 'auto-approve:prod'],
    ['a condition on the start time', [auto('later', { condition: 'request.startAt != null && request.startAt > now' })], { request: { startAt: new Date('2024-05-02T00:00:00Z') } }, 'auto-approve:later'],
  ])('%s', (_label, rules, over, expected) => {
    expect(outcome(decide(rules, over))).toBe(expected);
  });

  it('explains a no-match caused by a failing condition', () => {
    const d = decide([approval('clearance', 1, { condition: 'identity.attributes.clearance > 2' })]);
    expect(d.effect === 'deny' ? d.reason : '').toMatch(/rule "clearance" did not apply because its condition failed \(.*clearance.*\)/);
  });

  it('names the failing condition in a condition_error deny', () => {
    const d = decide([deny('clearance', { condition: 'identity.attributes.clearance < 2' })]);
    expect(d.effect === 'deny' ? d.reason : '').toMatch(/the condition of policy "p" rule "clearance" failed/);
  });
});
