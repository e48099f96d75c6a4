import { describe, expect, it } from 'vitest';
import { compileGlob, compileMatch, matches } from './matchers.js';
import type { EvaluationInput, RuleMatch } from './types.js';

describe('compileGlob', () => {
  it.each<[string, string, boolean]>([
    ['prod-db', 'prod-db', true],
    ['prod-db', 'prod-db2', false],
    ['prod-db', 'Prod-db', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['prod-*', 'prod-', true],
    ['prod-*', 'prod-db', true],
    ['prod-*', 'staging-prod-db', false],
    ['*-db', 'prod-db', true],
    ['*-db', 'prod-dbx', false],
    ['*@corp.com', 'alice@corp.com', true],
    ['*@corp.com', 'alice@corp.com.evil.io', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['a*a', 'aba', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'ab', false],
    ['*b*', 'abc', true],
    ['*b*', 'ac', false],
    ['**', 'x', true],
    ['a**b', 'ab', true],
    ['ab*cd*ef', 'abcdef', true],
    ['ab*cd*ef', 'abcef', false],
    ['ab*cd*cd', 'abcdcd', true],
    ['ab*cd*cd', 'abcd', false],
    ['x.*', 'xy', false],
    ['x.*', 'x.y', true],
    ['(a|b)*', 'a', false],
  ])('%j against %j is %s', (pattern, value, expected) => {
    expect(compileGlob(pattern).test(value)).toBe(expected);
  });

  it('reports whether the pattern has a wildcard', () => {
    expect([compileGlob('prod').hasWildcard, compileGlob('prod-*').hasWildcard]).toEqual([false, true]);
  });

  it('stays fast on pathological patterns', () => {
    const glob = compileGlob(`${'a*'.repeat(50)}b`);
    const started = performance.now();
    expect(glob.test('a'.repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

const base: EvaluationInput = {
  identity: {
    id: 'id-1',
    subject: 'alice@corp.com',
    kind: 'human',
    groups: ['eng', 'dba'],
    attributes: { team: 'payments', level: 3, admin: true, regions: ['eu', 'us'], nested: { a: 'b' }, empty: null },
  },
  connection: { name: 'prod-orders', type: 'postgres', labels: { env: 'prod', tier: '1' } },
  request: { durationSeconds: 3600, reason: 'incident', scope: 'read', startAt: null },
  now: new Date('2024-05-01T10:00:00Z'),
  recentRequests: [],
};

function withScope(scope: string | null): EvaluationInput {
  return { ...base, request: { ...base.request, scope } };
}

describe('matches', () => {
  it.each<[string, RuleMatch | undefined, EvaluationInput, boolean]>([
    ['no match block matches everything', undefined, base, true],
    ['an empty match block matches everything', {}, base, true],
    ['an empty identity block matches everything', { identity: {} }, base, true],
    ['subject, exact', { identity: { subjects: ['alice@corp.com'] } }, base, true],
    ['subject, other person', { identity: { subjects: ['bob@corp.com'] } }, base, false],
    ['subject, one of several', { identity: { subjects: ['bob@corp.com', 'alice@corp.com'] } }, base, true],
    ['subject, glob', { identity: { subjects: ['*@corp.com'] } }, base, true],
    ['subject, glob of another domain', { identity: { subjects: ['*@other.com'] } }, base, false],
    ['kind human', { identity: { kinds: ['human'] } }, base, true],
    ['kind service only', { identity: { kinds: ['service'] } }, base, false],
    ['kind either', { identity: { kinds: ['service', 'human'] } }, base, true],
    ['group, one of the identity groups', { identity: { groups: ['dba'] } }, base, true],
    ['group, none shared', { identity: { groups: ['sre', 'security'] } }, base, false],
    ['group, at least one shared', { identity: { groups: ['sre', 'eng'] } }, base, true],
    ['group, glob', { identity: { groups: ['db*'] } }, base, true],
    ['group, glob without a hit', { identity: { groups: ['sec-*'] } }, base, false],
    ['group, identity without groups', { identity: { groups: ['*'] } }, { ...base, identity: { ...base.identity, groups: [] } }, false],
    ['attribute, single value', { identity: { attributes: { team: 'payments' } } }, base, true],
    ['attribute, other value', { identity: { attributes: { team: 'search' } } }, base, false],
    ['attribute, one of a list', { identity: { attributes: { team: ['search', 'payments'] } } }, base, true],
    ['attribute, missing key', { identity: { attributes: { office: 'paris' } } }, base, false],
    ['attribute, number compared as a string', { identity: { attributes: { level: '3' } } }, base, true],
    ['attribute, number with another value', { identity: { attributes: { level: '4' } } }, base, false],
    ['attribute, boolean compared as a string', { identity: { attributes: { admin: 'true' } } }, base, true],
    ['attribute, multi-valued identity attribute', { identity: { attributes: { regions: 'us' } } }, base, true],
    ['attribute, multi-valued without a hit', { identity: { attributes: { regions: 'apac' } } }, base, false],
    ['attribute, object value never matches', { identity: { attributes: { nested: '[object Object]' } } }, base, false],
    ['attribute, null value never matches', { identity: { attributes: { empty: 'null' } } }, base, false],
    ['attribute, inherited property is not an attribute', { identity: { attributes: { toString: 'x' } } }, base, false],
    ['attributes, every key must match', { identity: { attributes: { team: 'payments', level: '4' } } }, base, false],
    ['attributes, every key matching', { identity: { attributes: { team: 'payments', level: ['3', '4'] } } }, base, true],
    ['connection name, exact', { connection: { names: ['prod-orders'] } }, base, true],
    ['connection name, other', { connection: { names: ['prod-users'] } }, base, false],
    ['connection name, glob', { connection: { names: ['prod-*'] } }, base, true],
    ['connection name, glob of another env', { connection: { names: ['staging-*'] } }, base, false],
    ['connection type', { connection: { types: ['postgres'] } }, base, true],
    ['connection type, other', { connection: { types: ['http', 'tcp'] } }, base, false],
    ['label', { connection: { labels: { env: 'prod' } } }, base, true],
    ['label, other value', { connection: { labels: { env: 'staging' } } }, base, false],
    ['label, one of a list', { connection: { labels: { env: ['staging', 'prod'] } } }, base, true],
    ['label, missing key', { connection: { labels: { owner: 'x' } } }, base, false],
    ['labels, all keys', { connection: { labels: { env: 'prod', tier: '1' } } }, base, true],
    ['labels, one key off', { connection: { labels: { env: 'prod', tier: '2' } } }, base, false],
    ['scope, exact', { request: { scopes: ['read'] } }, base, true],
    ['scope, other', { request: { scopes: ['write'] } }, base, false],
    ['scope, glob', { request: { scopes: ['re*'] } }, base, true],
    ['scope "*" matches a scope', { request: { scopes: ['*'] } }, base, true],
    ['scope "*" matches no scope', { request: { scopes: ['*'] } }, withScope(null), true],
    ['scope "*" matches an empty scope', { request: { scopes: ['*'] } }, withScope(''), true],
    ['a named scope does not match no scope', { request: { scopes: ['read'] } }, withScope(null), false],
    ['a scope glob does not match no scope', { request: { scopes: ['r*'] } }, withScope(null), false],
    ['"**" is not the "any or none" pattern', { request: { scopes: ['**'] } }, withScope(null), false],
    ['no scopes matcher matches no scope', { identity: { kinds: ['human'] } }, withScope(null), true],
    ['AND across fields, all match', { identity: { groups: ['dba'] }, connection: { types: ['postgres'] }, request: { scopes: ['read'] } }, base, true],
    ['AND across fields, connection off', { identity: { groups: ['dba'] }, connection: { types: ['http'] } }, base, false],
    ['AND across fields, identity off', { identity: { groups: ['sre'] }, connection: { types: ['postgres'] } }, base, false],
    ['AND within identity, kind off', { identity: { groups: ['dba'], kinds: ['service'] } }, base, false],
  ])('%s', (_label, match, input, expected) => {
    expect(matches(compileMatch(match), input)).toBe(expected);
  });

  it('ignores attributes inherited through the prototype chain', () => {
    const attributes = Object.create({ team: 'payments' }) as Record<string, unknown>;
    const inherited = { ...base, identity: { ...base.identity, attributes } };
    expect(matches(compileMatch({ identity: { attributes: { team: 'payments' } } }), inherited)).toBe(false);
  });
});
