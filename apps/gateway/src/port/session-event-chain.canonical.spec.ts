import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH } from '../platform/chain/hash-chain.js';
import { canonicalSessionEvent, hashSessionEvent, type SessionEventInput } from './session-event-chain.js';

// The recording's hashes must not change when the serialisation is sped up: this is the
// definition they were first computed with (canonicalJson of the whole event).
function referenceHash(prevHash: string, sessionId: string, seq: number, event: SessionEventInput): string {
  const body = canonicalJson({
    sessionId,
    seq,
    at: event.at.toISOString(),
    kind: event.kind,
    statement: event.statement ?? null,
    parameters: event.parameters ?? null,
    commandTag: event.commandTag ?? null,
    rowCount: event.rowCount ?? null,
    durationMs: event.durationMs ?? null,
    outcome: event.outcome,
    details: event.details ?? {},
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

const at = new Date(Date.UTC(2026, 10, 22, 18, 0, 0, 123));
const EVENTS: Array<[string, SessionEventInput]> = [
  [
    'a statement',
    { at, kind: 'statement', statement: 'SELECT abalance FROM pgbench_accounts WHERE aid = 42;', parameters: null, commandTag: 'SELECT 1', rowCount: 1, durationMs: 0.123, outcome: 'ok', details: {} },
  ],
  ['only the required fields', { at, kind: 'statement', outcome: 'not_run' }],
  ['undefined and null alike', { at, kind: 'statement', statement: undefined, parameters: undefined, commandTag: undefined, rowCount: undefined, durationMs: undefined, outcome: 'ok', details: undefined }],
  [
    'parameters with nulls, quotes and unicode',
    { at, kind: 'statement', statement: 'SELECT $1, $2, $3', parameters: ['it\'s "quoted"\n', null, 'naïve ✓ \u2028'], commandTag: 'SELECT 1', rowCount: 1, durationMs: 12, outcome: 'ok' },
  ],
  ['nested details out of order', { at, kind: 'error', statement: 'SELEC 1', outcome: 'error', details: { sqlstate: '42601', message: 'syntax error', z: { b: [2, { d: 1, c: null }], a: true } } }],
  ['a masked count and a zero duration', { at, kind: 'statement', statement: 'SELECT email FROM customers', outcome: 'ok', rowCount: 0, durationMs: 0, details: { maskedValues: 3 } }],
  ['a notice', { at, kind: 'notice', outcome: 'info', details: { severity: 'NOTICE', sqlstate: '00000', message: 'hello' } }],
  ['details whose only key is undefined, and no parameters', { at, kind: 'statement', outcome: 'ok', parameters: [], details: { gone: undefined } }],
  ['a non-finite duration', { at, kind: 'statement', outcome: 'ok', durationMs: Number.NaN }],
];

describe('hashSessionEvent', () => {
  it.each(EVENTS)('hashes %s exactly as canonicalJson of the whole event does', (_, event) => {
    const sessionId = '8b9f7e6a-1111-4222-8333-944445555666';
    expect(canonicalSessionEvent(sessionId, 7, event)).toBe(
      canonicalJson({
        sessionId,
        seq: 7,
        at: event.at.toISOString(),
        kind: event.kind,
        statement: event.statement ?? null,
        parameters: event.parameters ?? null,
        commandTag: event.commandTag ?? null,
        rowCount: event.rowCount ?? null,
        durationMs: event.durationMs ?? null,
        outcome: event.outcome,
        details: event.details ?? {},
      }),
    );
    expect(hashSessionEvent(GENESIS_HASH, sessionId, 7, event)).toBe(referenceHash(GENESIS_HASH, sessionId, 7, event));
  });
});
