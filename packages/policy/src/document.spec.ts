import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from './document.js';
import { PolicyError, type PolicyIssue } from './errors.js';
import type { PolicyDocument } from './types.js';

function issuesOf(input: unknown): PolicyIssue[] {
  try {
    parsePolicyDocument(input);
  } catch (e: unknown) {
    if (e instanceof PolicyError && e.code === 'invalid_policy') return [...e.issues];
    throw e;
  }
  throw new Error('expected the document to be rejected');
}

const ok = { name: 'ok', effect: 'auto-approve' } as const;
const doc = (...rules: unknown[]) => ({ rules });

describe('parsePolicyDocument: valid documents', () => {
  it('returns a clean copy of a full document', () => {
    const input: PolicyDocument = {
      rules: [
        {
          name: 'dba-prod',
          description: 'DBAs on prod need a lead',
          effect: 'require-approval',
          match: {
            identity: { subjects: ['*@corp.com'], kinds: ['human'], groups: ['dba'], attributes: { team: ['payments', 'search'], level: '3' } },
            connection: { names: ['prod-*'], types: ['postgres', 'bigquery'], labels: { env: 'prod' } },
            request: { scopes: ['read', 'write'] },
          },
          condition: "request.reason.matches('^INC-')",
          maxDuration: '8h',
          approvals: { count: 2, groups: ['db-leads'] },
          rateLimit: { max: 3, window: '1d' },
        },
        { name: 'no-service', effect: 'deny', match: { identity: { kinds: ['service'] } } },
        { name: 'short', effect: 'auto-approve', maxDuration: 900 },
      ],
    };
    const parsed = parsePolicyDocument(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
    expect(parsed.rules[0]).not.toBe(input.rules[0]);
  });

  it.each<[string, unknown]>([
    ['an empty rule list', doc()],
    ['a 63-character name', doc({ ...ok, name: `a${'b'.repeat(62)}` })],
    ['a name with dots, dashes and underscores', doc({ ...ok, name: '0.team_a-b' })],
    ['a duration as a number of seconds', doc({ ...ok, maxDuration: 3600 })],
    ['a duration as a string of digits', doc({ ...ok, maxDuration: '3600' })],
    ['a rate limit window in days', doc({ ...ok, rateLimit: { max: 1, window: '366d' } })],
    ['ten approvals', doc({ name: 'r', effect: 'require-approval', approvals: { count: 10, groups: ['a'] } })],
  ])('accepts %s', (_label, input) => {
    expect(() => parsePolicyDocument(input)).not.toThrow();
  });
});

describe('parsePolicyDocument: errors carry the path of each problem', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['not an object', 'rules: []', '', /expected object/],
    ['null', null, '', /expected object/],
    ['missing rules', {}, 'rules', /expected array/],
    ['an unknown top-level key', { rules: [], version: 2 }, 'version', /unknown key/],
    ['a rule that is not an object', doc(42), 'rules[0]', /expected object/],
    ['an unknown rule key (typo)', doc({ ...ok, maxDuraton: '1h' }), 'rules[0].maxDuraton', /unknown key/],
    ['an unknown match key', doc({ ...ok, match: { user: {} } }), 'rules[0].match.user', /unknown key/],
    ['an unknown identity matcher', doc({ ...ok, match: { identity: { group: ['x'] } } }), 'rules[0].match.identity.group', /unknown key/],
    ['an unknown connection matcher', doc({ ...ok, match: { connection: { name: ['x'] } } }), 'rules[0].match.connection.name', /unknown key/],
    ['an unknown request matcher', doc({ ...ok, match: { request: { scope: ['x'] } } }), 'rules[0].match.request.scope', /unknown key/],
    ['a missing name', doc({ effect: 'deny' }), 'rules[0].name', /expected string/],
    ['an upper-case name', doc({ ...ok, name: 'Prod' }), 'rules[0].name', /must be 1-63 characters/],
    ['a name starting with a dash', doc({ ...ok, name: '-x' }), 'rules[0].name', /starting with a letter or digit/],
    ['a 64-character name', doc({ ...ok, name: 'a'.repeat(64) }), 'rules[0].name', /must be 1-63/],
    ['a name with a space', doc({ ...ok, name: 'a b' }), 'rules[0].name', /must be 1-63/],
    ['a missing effect', doc({ name: 'x' }), 'rules[0].effect', /expected one of/],
    ['a bad effect', doc({ ...ok, effect: 'allow' }), 'rules[0].effect', /expected one of "deny"\|"auto-approve"\|"require-approval"/],
    ['approvals on a deny rule', doc({ name: 'x', effect: 'deny', approvals: { count: 1, groups: ['a'] } }), 'rules[0].approvals', /not allowed when effect is deny/],
    ['approvals on an auto-approve rule', doc({ ...ok, approvals: { count: 1, groups: ['a'] } }), 'rules[0].approvals', /not allowed when effect is auto-approve/],
    ['require-approval without approvals', doc({ name: 'x', effect: 'require-approval' }), 'rules[0].approvals', /required when effect is require-approval/],
    ['zero approvals', doc({ name: 'x', effect: 'require-approval', approvals: { count: 0, groups: ['a'] } }), 'rules[0].approvals.count', /too small|>=1/],
    ['eleven approvals', doc({ name: 'x', effect: 'require-approval', approvals: { count: 11, groups: ['a'] } }), 'rules[0].approvals.count', /too big|<=10/],
    ['a fractional approval count', doc({ name: 'x', effect: 'require-approval', approvals: { count: 1.5, groups: ['a'] } }), 'rules[0].approvals.count', /expected int/],
    ['no approver groups', doc({ name: 'x', effect: 'require-approval', approvals: { count: 1, groups: [] } }), 'rules[0].approvals.groups', /too small|>=1/],
    ['a glob approver group', doc({ name: 'x', effect: 'require-approval', approvals: { count: 1, groups: ['ok', 'leads-*'] } }), 'rules[0].approvals.groups[1]', /"\*" is not allowed/],
    ['maxDuration on a deny rule', doc({ name: 'x', effect: 'deny', maxDuration: '1h' }), 'rules[0].maxDuration', /not allowed on a deny rule/],
    ['a rate limit on a deny rule', doc({ name: 'x', effect: 'deny', rateLimit: { max: 1, window: '1h' } }), 'rules[0].rateLimit', /not allowed on a deny rule/],
    ['a zero duration', doc({ ...ok, maxDuration: '0s' }), 'rules[0].maxDuration', /invalid duration "0s"/],
    ['a negative duration', doc({ ...ok, maxDuration: -60 }), 'rules[0].maxDuration', /invalid duration -60/],
    ['a fractional duration', doc({ ...ok, maxDuration: 90.5 }), 'rules[0].maxDuration', /invalid duration 90.5/],
    ['a duration over 366 days', doc({ ...ok, maxDuration: '367d' }), 'rules[0].maxDuration', /invalid duration "367d"/],
    ['a garbage duration', doc({ ...ok, maxDuration: 'one hour' }), 'rules[0].maxDuration', /invalid duration "one hour"/],
    ['a boolean duration', doc({ ...ok, maxDuration: true }), 'rules[0].maxDuration', /expected a duration/],
    ['a bad rate-limit window', doc({ ...ok, rateLimit: { max: 1, window: '1y' } }), 'rules[0].rateLimit.window', /invalid duration "1y"/],
    ['a zero rate-limit max', doc({ ...ok, rateLimit: { max: 0, window: '1h' } }), 'rules[0].rateLimit.max', /too small|>=1/],
    ['an unknown rate-limit key', doc({ ...ok, rateLimit: { max: 1, window: '1h', burst: 2 } }), 'rules[0].rateLimit.burst', /unknown key/],
    ['an empty subjects list', doc({ ...ok, match: { identity: { subjects: [] } } }), 'rules[0].match.identity.subjects', /too small|>=1/],
    ['an empty pattern', doc({ ...ok, match: { connection: { names: [''] } } }), 'rules[0].match.connection.names[0]', /too small|>=1/],
    ['an unknown identity kind', doc({ ...ok, match: { identity: { kinds: ['robot'] } } }), 'rules[0].match.identity.kinds[0]', /expected one of/],
    ['an unknown connection type', doc({ ...ok, match: { connection: { types: ['mysql'] } } }), 'rules[0].match.connection.types[0]', /expected one of "postgres"/],
    ['an empty attribute map', doc({ ...ok, match: { identity: { attributes: {} } } }), 'rules[0].match.identity.attributes', /at least one key/],
    ['a numeric attribute value', doc({ ...ok, match: { identity: { attributes: { level: 3 } } } }), 'rules[0].match.identity.attributes.level', /string or a non-empty list/],
    ['an empty label value list', doc({ ...ok, match: { connection: { labels: { env: [] } } } }), 'rules[0].match.connection.labels.env', /too small|>=1/],
    ['a CEL syntax error', doc({ ...ok, condition: "identity.kind == 'human' &&" }), 'rules[0].condition', /^invalid CEL: /],
    ['an unknown CEL variable', doc({ ...ok, condition: "user.kind == 'human'" }), 'rules[0].condition', /unknown variable "user"/],
    ['a non-bool CEL constant', doc({ ...ok, condition: '42' }), 'rules[0].condition', /must evaluate to a bool/],
    ['an empty condition', doc({ ...ok, condition: '' }), 'rules[0].condition', /too small|>=1/],
    ['a non-string condition', doc({ ...ok, condition: true }), 'rules[0].condition', /expected string/],
    ['an over-long condition', doc({ ...ok, condition: `true${' && true'.repeat(1000)}` }), 'rules[0].condition', /too big|<=4096/],
    ['a duplicate rule name', doc(ok, { ...ok, effect: 'deny' }), 'rules[1].name', /duplicate rule name "ok" \(also rules\[0\]\)/],
  ])('rejects %s', (_label, input, path, message) => {
    const issues = issuesOf(input);
    const issue = issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('reports every problem at once, in document order', () => {
    const issues = issuesOf(doc({ ...ok, condition: 'nope ==' }, { name: 'Bad', effect: 'allow', extra: 1 }, { ...ok, effect: 'deny' }));
    expect(issues.map((i) => i.path)).toEqual(['rules[0].condition', 'rules[1].name', 'rules[1].effect', 'rules[1].extra', 'rules[2].name']);
  });

  it('gives each issue its path as segments too', () => {
    expect(issuesOf(doc({ ...ok, match: { identity: { kinds: ['robot'] } } }))[0]?.segments).toEqual(['rules', 0, 'match', 'identity', 'kinds', 0]);
  });

  it('throws a PolicyError whose message summarises the first issues', () => {
    let error: unknown;
    try {
      parsePolicyDocument(doc({ ...ok, effect: 'allow' }));
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ name: 'PolicyError', code: 'invalid_policy' });
    expect(error instanceof Error ? error.message : '').toMatch(/^invalid policy: rules\[0\]\.effect: /);
    expect(error instanceof PolicyError ? error.details : null).toEqual(error instanceof PolicyError ? error.issues : undefined);
  });

  it('mentions how many issues the message left out', () => {
    const rules = Array.from({ length: 5 }, (_, i) => ({ name: `r${i}`, effect: 'allow' }));
    expect(() => parsePolicyDocument({ rules })).toThrow(/\(and 2 more\)$/);
  });

  it('refuses a __proto__ attribute key', () => {
    const attributes = JSON.parse('{"__proto__": "x", "team": "a"}') as unknown;
    const issues = issuesOf(doc({ ...ok, match: { identity: { attributes } } }));
    expect(issues).toEqual([expect.objectContaining({ path: 'rules[0].match.identity.attributes.__proto__', message: 'reserved key' })]);
  });
});
