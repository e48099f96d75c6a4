// The per-session hash chain of a recording (session_events), pure: hash(n) = SHA-256(hash(n-1)
// + "\n" + canonical(event n)), starting from 64 zeros. The head is written into the session's
// close audit event, which ties the recording to the audit log's own chain.
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../audit/audit-chain.js';

export { GENESIS_HASH };

export type SessionEventKind = 'statement' | 'blocked' | 'approval' | 'notice' | 'flagged' | 'error';
export type SessionEventOutcome = 'ok' | 'error' | 'blocked' | 'approved' | 'denied' | 'timed_out' | 'not_run' | 'suspended' | 'info';

/** One entry of a recording, as the protocol layer reports it. */
export interface SessionEventInput {
  at: Date;
  kind: SessionEventKind;
  statement?: string | null;
  parameters?: Array<string | null> | null;
  commandTag?: string | null;
  rowCount?: number | null;
  durationMs?: number | null;
  outcome: SessionEventOutcome;
  details?: Record<string, unknown>;
}

export interface ChainedSessionEvent extends SessionEventInput {
  sessionId: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export function hashSessionEvent(prevHash: string, sessionId: string, seq: number, event: SessionEventInput): string {
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

/** Checks a session's events in seq order; returns the first break, if any. */
export function verifySessionEvents(events: readonly ChainedSessionEvent[]): { ok: true; head: string } | { ok: false; seq: number; reason: 'hash_mismatch' | 'broken_link' | 'gap' } {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    if (event.seq !== expectedSeq) return { ok: false, seq: event.seq, reason: 'gap' };
    if (event.prevHash !== prev) return { ok: false, seq: event.seq, reason: 'broken_link' };
    if (hashSessionEvent(prev, event.sessionId, event.seq, event) !== event.hash) return { ok: false, seq: event.seq, reason: 'hash_mismatch' };
    prev = event.hash;
    expectedSeq += 1;
  }
  return { ok: true, head: prev };
}
