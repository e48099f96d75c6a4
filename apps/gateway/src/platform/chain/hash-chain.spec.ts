import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashEvent, verifyRun, type StoredEvent } from './hash-chain.js';

function chain(n: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i += 1) {
    const fields = {
      id: `00000000-0000-4000-8000-00000000000${i}`,
      at: new Date(Date.UTC(2026, 10, 22, 12, 0, i)),
      actorId: 'a',
      actorKind: 'human',
      action: 'grant.created',
      targetType: 'grant',
      targetId: `g${i}`,
      details: { n: i, nested: { b: 1, a: [1, 2] } },
    };
    const hash = hashEvent(prev, fields);
    events.push({ ...fields, seq: BigInt(i + 1), prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ a: { d: 1, c: [3, { f: 1, e: 2 }] } }, '{"a":{"c":[3,{"e":2,"f":1}],"d":1}}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [new Date('2026-01-01T00:00:00.000Z'), '"2026-01-01T00:00:00.000Z"'],
    ['x"y', '"x\\"y"'],
  ])('%j → %s', (input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it('does not depend on key order', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });
});

describe('verifyRun', () => {
  it('accepts an untouched chain', () => {
    const events = chain(5);
    expect(verifyRun(GENESIS_HASH, events)).toEqual({ lastHash: events[4]!.hash });
  });

  it('finds an edited field at that event', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, details: { n: 99, nested: { b: 1, a: [1, 2] } } };
    expect(verifyRun(GENESIS_HASH, events).broken).toEqual({ seq: '3', reason: 'hash_mismatch' });
  });

  it('finds an edited actor, action or time', () => {
    for (const change of [{ actorId: 'z' }, { action: 'grant.revoked' }, { at: new Date(0) }, { targetId: null }]) {
      const events = chain(3);
      events[1] = { ...events[1]!, ...change };
      expect(verifyRun(GENESIS_HASH, events).broken?.seq).toBe('2');
    }
  });

  it('finds a deleted event at the one after it', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyRun(GENESIS_HASH, events).broken).toEqual({ seq: '3', reason: 'broken_link' });
  });

  it('finds a rewritten event whose own hash was recomputed, at the next link', () => {
    const events = chain(4);
    const forged = { ...events[1]!, actorId: 'mallory' };
    forged.hash = hashEvent(forged.prevHash, forged);
    events[1] = forged;
    expect(verifyRun(GENESIS_HASH, events).broken).toEqual({ seq: '3', reason: 'broken_link' });
  });

  it('checks the first link against the expected predecessor', () => {
    const events = chain(2);
    expect(verifyRun('f'.repeat(64), events).broken).toEqual({ seq: '1', reason: 'broken_link' });
  });
});
