import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashSessionEvent, verifySessionEvents, type ChainedSessionEvent, type SessionEventInput } from './session-event-chain.js';

const SESSION = '00000000-0000-4000-8000-000000000001';

function chain(inputs: SessionEventInput[]): ChainedSessionEvent[] {
  let prev = GENESIS_HASH;
  return inputs.map((input, i) => {
    const hash = hashSessionEvent(prev, SESSION, i + 1, input);
    const event = { ...input, sessionId: SESSION, seq: i + 1, prevHash: prev, hash };
    prev = hash;
    return event;
  });
}

const events = chain([
  { at: new Date('2026-11-22T10:00:00.000Z'), kind: 'statement', statement: 'select 1', commandTag: 'SELECT 1', rowCount: 1, durationMs: 0.5, outcome: 'ok' },
  { at: new Date('2026-11-22T10:00:01.000Z'), kind: 'blocked', statement: 'drop table t', outcome: 'blocked', details: { rule: 'drop' } },
  { at: new Date('2026-11-22T10:00:02.000Z'), kind: 'statement', statement: 'select 2', outcome: 'ok' },
]);

describe('session event chain', () => {
  it('verifies an untouched recording and returns its head', () => {
    expect(verifySessionEvents(events)).toEqual({ ok: true, head: events[2]!.hash });
  });

  it('finds an edited statement, a deleted event and a re-linked chain', () => {
    const edited = events.map((e, i) => (i === 1 ? { ...e, statement: 'select harmless' } : e));
    expect(verifySessionEvents(edited)).toEqual({ ok: false, seq: 2, reason: 'hash_mismatch' });
    expect(verifySessionEvents([events[0]!, events[2]!])).toEqual({ ok: false, seq: 3, reason: 'gap' });
    const relinked = [events[0]!, { ...events[2]!, seq: 2 }];
    expect(verifySessionEvents(relinked)).toEqual({ ok: false, seq: 2, reason: 'broken_link' });
  });
});
