// The audit hash chain, pure. hash(n) = SHA-256(hash(n-1) + "\n" + canonical(event n)), with
// the genesis predecessor 64 zeros. Editing any field of any row, or deleting a row, breaks the
// chain at that point; verifyChain finds the first break.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  id: string;
  at: Date;
  actorId: string | null;
  actorKind: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: unknown;
}

/** JSON with object keys sorted at every level, so that JSONB's own key order does not matter. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashEvent(prevHash: string, event: ChainedFields): string {
  const body = canonicalJson({
    id: event.id,
    at: event.at.toISOString(),
    actorId: event.actorId,
    actorKind: event.actorKind,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    details: event.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface StoredEvent extends ChainedFields {
  seq: bigint;
  prevHash: string;
  hash: string;
}

export type ChainBreak = { seq: string; reason: 'hash_mismatch' | 'broken_link' };

/**
 * Checks a run of consecutive events. `expectedPrev` is the hash the first event must point at
 * (GENESIS_HASH for the first event ever). Returns the first break, and the last good hash.
 */
export function verifyRun(expectedPrev: string, events: StoredEvent[]): { lastHash: string; broken?: ChainBreak } {
  let prev = expectedPrev;
  for (const event of events) {
    if (event.prevHash !== prev) return { lastHash: prev, broken: { seq: event.seq.toString(), reason: 'broken_link' } };
    if (hashEvent(event.prevHash, event) !== event.hash) {
      return { lastHash: prev, broken: { seq: event.seq.toString(), reason: 'hash_mismatch' } };
    }
    prev = event.hash;
  }
  return { lastHash: prev };
}
