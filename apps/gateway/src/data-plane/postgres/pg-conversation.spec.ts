import { describe, expect, it } from 'vitest';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import { PgConversation, rowCountOf } from './pg-conversation.js';
import { PgSessionCatalog, type PortalEntry, type PreparedEntry } from './pg-session-catalog.js';

function conversation() {
  const events: SessionEventInput[] = [];
  let now = 0;
  const catalog = new PgSessionCatalog();
  const c = new PgConversation(catalog, (e) => events.push(e), { now: () => (now += 1), wall: () => new Date(0) });
  return { c, catalog, events };
}

const entry = (sql: string): PreparedEntry => ({ sql, info: null, verdict: { action: 'allow' }, lineage: null });
const portal = (statement: PreparedEntry, hold = false): PortalEntry => ({ kind: 'bind', statement, parameters: null, hold, layout: undefined, described: false, approvedRun: false });
const run = (statement: string) => ({ statement, parameters: null, lineage: null, portal: undefined });

describe('PgConversation', () => {
  it('completes the statements of a Query in order and records what the server skipped after an error', () => {
    const { c, events } = conversation();
    const group = c.query();
    c.run(group, run('select 1'));
    c.run(group, run('select boom'));
    c.run(group, run('select 3'));
    c.current!.rows = 1;
    c.complete('ok', 'SELECT 1');
    c.fail({ code: '42703', message: 'column "boom" does not exist' });
    c.finishGroup('I');
    expect(events.map((e) => [e.statement, e.outcome, e.commandTag ?? null, e.rowCount ?? null])).toEqual([
      ['select 1', 'ok', 'SELECT 1', 1],
      ['select boom', 'error', null, 0],
      ['select 3', 'not_run', null, null],
    ]);
    expect(events[1]?.details).toEqual({ sqlstate: '42703', message: 'column "boom" does not exist' });
  });

  it('keeps pipelined groups apart: one ReadyForQuery ends only the oldest', () => {
    const { c, events } = conversation();
    const first = c.batch();
    c.run(first, run('insert 1'));
    c.sync();
    const second = c.batch();
    expect(second).not.toBe(first);
    c.run(second, run('insert 2'));
    c.sync();
    c.complete('ok', 'INSERT 0 1');
    c.finishGroup('I');
    expect(c.current?.statement).toBe('insert 2');
    c.finishGroup('I');
    expect(events.map((e) => [e.statement, e.outcome])).toEqual([
      ['insert 1', 'ok'],
      ['insert 2', 'not_run'],
    ]);
  });

  it('does not record stand-ins of refused statements (the block is recorded already)', () => {
    const { c, events } = conversation();
    const group = c.query();
    c.add(group, { kind: 'refusal' });
    c.fail({ code: '42501', message: 'refused' }, false);
    c.finishGroup('I');
    expect(events).toEqual([]);
  });

  it('tells a later message when everything before it is answered', async () => {
    const { c } = conversation();
    expect(c.settledBefore(undefined)).toBeUndefined();
    c.run(c.query(), run('select pg_sleep(1)'));
    const batch = c.batch();
    let settled = false;
    void c.settledBefore(batch)!.then(() => (settled = true));
    c.complete('ok', 'SELECT 1');
    await Promise.resolve();
    expect(settled).toBe(false);
    c.finishGroup('I');
    await Promise.resolve();
    expect(settled).toBe(true);
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

describe('PgSessionCatalog through the conversation', () => {
  it('keeps what the server created and undoes what it skipped after an error', () => {
    const { c, catalog } = conversation();
    const group = c.batch();
    const a = entry('select 1');
    const b = entry('delete from t');
    catalog.statements.set('a', a, group, c.add(group, { kind: 'parse', name: 'a', entry: a }));
    catalog.statements.set('b', b, group, c.add(group, { kind: 'parse', name: 'b', entry: b }));
    c.sync();
    c.advance();
    c.fail({ code: '42P01', message: 'relation "t" does not exist' });
    c.finishGroup('I');
    expect(catalog.statements.get('a')).toBe(a);
    expect(catalog.statements.get('b')).toBeUndefined();
  });

  it('puts back what a skipped Close would have dropped', () => {
    const { c, catalog } = conversation();
    const kept = entry('delete from t where id = $1');
    const first = c.batch();
    catalog.statements.set('d', kept, first, c.add(first, { kind: 'parse', name: 'd', entry: kept }));
    c.sync();
    c.advance();
    c.finishGroup('I');
    const second = c.batch();
    c.run(second, run('select boom'));
    catalog.statements.set('d', undefined, second, c.add(second, { kind: 'close' }));
    c.sync();
    expect(catalog.statements.get('d')).toBeUndefined();
    expect(catalog.statements.pending('d', undefined)).toBe(true);
    c.fail({ code: '42703', message: 'boom' });
    c.finishGroup('I');
    expect(catalog.statements.get('d')).toBe(kept);
    expect(catalog.statements.pending('d', undefined)).toBe(false);
  });

  it('drops portals at the end of a transaction, but not a cursor WITH HOLD', () => {
    const { c, catalog } = conversation();
    const group = c.query();
    const statement = entry('select 1');
    catalog.portals.set('p', portal(statement), group, 0);
    catalog.portals.set('held', portal(statement, true), group, 0);
    c.run(group, run('declare'));
    c.complete('ok', 'DECLARE CURSOR');
    c.finishGroup('T');
    expect(catalog.portals.get('p')).toBeDefined();
    const next = c.query();
    c.run(next, run('commit'));
    c.complete('ok', 'COMMIT');
    c.finishGroup('I');
    expect(catalog.portals.get('p')).toBeUndefined();
    expect(catalog.portals.get('held')).toBeDefined();
  });
});
