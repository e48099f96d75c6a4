import { describe, expect, it } from 'vitest';
import type { SessionEventInput } from '../session/session-event-chain.js';
import { rowCountOf, StatementLedger } from './pg-statement-ledger.js';

function ledger() {
  const events: SessionEventInput[] = [];
  let now = 0;
  const l = new StatementLedger((e) => events.push(e), { now: () => (now += 1), wall: () => new Date(0) });
  return { l, events };
}

describe('StatementLedger', () => {
  it('completes the statements of a Query in order and records what the server skipped after an error', () => {
    const { l, events } = ledger();
    const group = l.query();
    l.expect(group, 'select 1', null);
    l.expect(group, 'select boom', null);
    l.expect(group, 'select 3', null);
    l.current!.rows = 1;
    l.complete('ok', 'SELECT 1');
    l.fail({ code: '42703', message: 'column "boom" does not exist' });
    l.finishGroup();
    expect(events.map((e) => [e.statement, e.outcome, e.commandTag ?? null, e.rowCount ?? null])).toEqual([
      ['select 1', 'ok', 'SELECT 1', 1],
      ['select boom', 'error', null, 0],
      ['select 3', 'not_run', null, null],
    ]);
    expect(events[1]?.details).toEqual({ sqlstate: '42703', message: 'column "boom" does not exist' });
  });

  it('keeps pipelined groups apart: one ReadyForQuery ends only the oldest', () => {
    const { l, events } = ledger();
    const first = l.batch();
    l.expect(first, 'insert 1', ['a']);
    l.sync();
    const second = l.batch();
    expect(second).not.toBe(first);
    l.expect(second, 'insert 2', ['b']);
    l.sync();
    l.complete('ok', 'INSERT 0 1');
    l.finishGroup();
    expect(l.current?.statement).toBe('insert 2');
    l.finishGroup();
    expect(events.map((e) => [e.statement, e.outcome])).toEqual([
      ['insert 1', 'ok'],
      ['insert 2', 'not_run'],
    ]);
  });

  it('does not record stand-ins of blocked statements (the block is recorded already)', () => {
    const { l, events } = ledger();
    const group = l.query();
    l.expect(group, 'drop table t', null, true);
    l.fail({ code: '42501', message: 'refused' }, false);
    l.finishGroup();
    expect(events).toEqual([]);
  });

  it.each([
    ['SELECT 5', 5],
    ['INSERT 0 12', 12],
    ['UPDATE 3', 3],
    ['DELETE 0', 0],
    ['COPY 10', 10],
    ['CREATE TABLE', null],
    ['BEGIN', null],
  ])('reads the row count of %s', (tag, count) => {
    expect(rowCountOf(tag)).toBe(count);
  });
});
