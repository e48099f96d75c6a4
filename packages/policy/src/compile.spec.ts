import { describe, expect, it } from 'vitest';
import { compilePolicies } from './compile.js';
import { PolicyError, type PolicyIssue } from './errors.js';
import { evaluate } from './evaluate.js';
import type { PolicyDocument } from './types.js';

function issuesOf(policies: Array<{ name: string; document: unknown }>): PolicyIssue[] {
  try {
    compilePolicies(policies as Array<{ name: string; document: PolicyDocument }>);
  } catch (e: unknown) {
    if (e instanceof PolicyError && e.code === 'invalid_policy') return [...e.issues];
    throw e;
  }
  throw new Error('expected compilePolicies to throw');
}

const allow: PolicyDocument = { rules: [{ name: 'all', effect: 'auto-approve' }] };

describe('compilePolicies', () => {
  it('summarises what it compiled', () => {
    const compiled = compilePolicies([
      { name: 'a', document: allow },
      {
        name: 'b',
        document: {
          rules: [
            { name: 'x', effect: 'deny' },
            { name: 'y', effect: 'deny' },
          ],
        },
      },
    ]);
    expect([compiled.policies, compiled.ruleCount]).toEqual([['a', 'b'], 3]);
    expect(Object.isFrozen(compiled)).toBe(true);
  });

  it.each<[string, Array<{ name: string; document: unknown }>, string, RegExp]>([
    ['an invalid policy name', [{ name: 'Base Policy', document: allow }], '[0].name', /invalid policy name "Base Policy"/],
    [
      'a duplicate policy name',
      [
        { name: 'a', document: allow },
        { name: 'a', document: allow },
      ],
      '[1].name',
      /duplicate policy name "a"/,
    ],
    ['an invalid document (prefixed with the policy name)', [{ name: 'base', document: { rules: [{ name: 'x', effect: 'allow' }] } }], 'base.rules[0].effect', /expected one of/],
    ['a stored condition that no longer compiles', [{ name: 'base', document: { rules: [{ name: 'x', effect: 'deny', condition: 'foo' }] } }], 'base.rules[0].condition', /unknown variable "foo"/],
  ])('rejects %s', (_label, policies, path, message) => {
    const issue = issuesOf(policies).find((i) => i.path === path);
    expect(issue?.message).toMatch(message);
  });

  // Skipping a broken policy could drop a deny rule and fail open; refusing keeps the last
  // good compiled set in the caller's hands.
  it('refuses the whole set when one policy is broken', () => {
    const broken = { name: 'freeze', document: { rules: [{ name: 'x', effect: 'deny', condition: 'now >' }] } };
    expect(() => compilePolicies([{ name: 'a', document: allow }, broken as { name: string; document: PolicyDocument }])).toThrow(/invalid policies: freeze\.rules\[0\]\.condition/);
  });

  it('does not share state between compiled sets', () => {
    const denyAll = compilePolicies([{ name: 'a', document: { rules: [{ name: 'no', effect: 'deny' }] } }]);
    const allowAll = compilePolicies([{ name: 'a', document: allow }]);
    const input = {
      identity: { id: 'i', subject: 's', kind: 'human' as const, groups: [], attributes: {} },
      connection: { name: 'c', type: 'tcp' as const, labels: {} },
      request: { durationSeconds: 60, reason: '', scope: null, startAt: null },
      now: new Date(0),
      recentRequests: [],
    };
    expect([evaluate(denyAll, input).effect, evaluate(allowAll, input).effect]).toEqual(['deny', 'auto-approve']);
  });
});
