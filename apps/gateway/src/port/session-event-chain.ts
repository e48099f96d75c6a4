// The per-session hash chain of a recording (session_events), pure: hash(n) = SHA-256(hash(n-1)
// + "\n" + canonical(event n)), starting from 64 zeros. The head is written into the session's
// close audit event, which ties the recording to the audit log's own chain.
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../platform/chain/hash-chain.js';

export { GENESIS_HASH };

/** `request`: an HTTP request or MCP call (docs/http.md); the rest as for Postgres. */
export type SessionEventKind = 'statement' | 'request' | 'blocked' | 'approval' | 'notice' | 'flagged' | 'error';
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
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalSessionEvent(sessionId, seq, event))
    .digest('hex');
}

/**
 * canonicalJson of { sessionId, seq, at, kind, statement, parameters, commandTag, rowCount,
 * durationMs, outcome, details }, written out with its keys already in canonical (sorted) order:
 * every recorded statement is hashed, and the generic canonicalJson (entries, filter, sort, join)
 * was half of that cost (bench/README.md, "Postgres through the gateway"). The bytes are the
 * same; session-event-chain.spec.ts pins that against canonicalJson.
 */
export function canonicalSessionEvent(sessionId: string, seq: number, event: SessionEventInput): string {
  // Scalars and the parameters (strings and nulls) print the same through JSON.stringify as
  // through canonicalJson; only `details` can hold objects whose keys need sorting.
  return (
    `{"at":${JSON.stringify(event.at.toISOString())}` +
    `,"commandTag":${JSON.stringify(event.commandTag ?? null)}` +
    `,"details":${canonicalDetails(event.details)}` +
    `,"durationMs":${JSON.stringify(event.durationMs ?? null)}` +
    `,"kind":${JSON.stringify(event.kind)}` +
    `,"outcome":${JSON.stringify(event.outcome)}` +
    `,"parameters":${JSON.stringify(event.parameters ?? null)}` +
    `,"rowCount":${JSON.stringify(event.rowCount ?? null)}` +
    `,"seq":${JSON.stringify(seq)}` +
    `,"sessionId":${JSON.stringify(sessionId)}` +
    `,"statement":${JSON.stringify(event.statement ?? null)}}`
  );
}

function canonicalDetails(details: Record<string, unknown> | undefined): string {
  if (details === undefined) return '{}';
  for (const _key in details) return canonicalJson(details);
  return '{}';
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
