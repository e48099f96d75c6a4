import { describe, expect, it } from 'vitest';
import { readAttributes, readClaim, readGroups, readStringClaim } from './oidc-claims.js';

// Payloads are parsed JSON, as jose returns them: JSON.parse makes "__proto__" an own property.
const payload = JSON.parse(
  JSON.stringify({
    sub: 'alice',
    email: '',
    groups: ['a', 'b'],
    realm_access: { roles: ['ops', 'ops', 42] },
    resource_access: { gateway: { roles: 'admin' } },
    'https://jitgate.dev/groups': ['namespaced'],
    https: { '//jitgate': 'wrong branch' },
    list: [{ name: 'x' }],
  }),
) as Record<string, unknown>;
const poisoned = JSON.parse('{"__proto__": {"groups": ["admins"]}, "sub": "mallory"}') as Record<string, unknown>;

describe('readClaim', () => {
  it.each([
    ['sub', 'alice'],
    ['realm_access.roles', ['ops', 'ops', 42]],
    ['resource_access.gateway.roles', 'admin'],
    ['https://jitgate.dev/groups', ['namespaced']], // a literal top-level name wins over the path
    ['realm_access.missing', undefined],
    ['sub.length', undefined], // strings are not walked into
    ['list.0.name', undefined], // neither are arrays
    ['constructor', undefined], // own properties only
    ['toString', undefined],
    ['groups.constructor.name', undefined],
  ])('%s → %j', (path, expected) => {
    expect(readClaim(payload, path)).toEqual(expected);
  });

  it('never reads through the prototype chain', () => {
    expect(readGroups(poisoned, 'groups')).toEqual([]);
    expect(readClaim(poisoned, '__proto__.groups')).toEqual(['admins']); // an own property named "__proto__"
    expect(({} as Record<string, unknown>).groups).toBeUndefined();
  });
});

describe('readGroups', () => {
  it.each([
    ['groups', ['a', 'b']],
    ['realm_access.roles', ['ops']],
    ['resource_access.gateway.roles', ['admin']],
    ['realm_access', []],
    ['missing', []],
    ['sub', ['alice']],
  ])('%s → %j', (path, expected) => {
    expect(readGroups(payload, path)).toEqual(expected);
  });

  it.each([[null], [true], [7], [{ 0: 'a', length: 1 }], [[['nested']]], ['']])('%j → no groups', (value) => {
    expect(readGroups({ groups: value }, 'groups')).toEqual([]);
  });

  it('bounds the number and length of groups', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `g${i}`);
    expect(readGroups({ groups: many }, 'groups')).toHaveLength(1000);
    expect(readGroups({ groups: ['x'.repeat(513), 'ok'] }, 'groups')).toEqual(['ok']);
  });
});

describe('readStringClaim and readAttributes', () => {
  it('treats empty and non-string values as absent', () => {
    expect(readStringClaim(payload, 'email')).toBeUndefined();
    expect(readStringClaim(payload, 'groups')).toBeUndefined();
    expect(readStringClaim(payload, 'sub')).toBe('alice');
  });

  it('copies present claims under their configured path', () => {
    expect(readAttributes(payload, ['sub', 'realm_access.roles', 'missing'])).toEqual({
      sub: 'alice',
      'realm_access.roles': ['ops', 'ops', 42],
    });
  });
});
