// Writes session recordings (session_events) in batches: a pgbench run records thousands of
// statements a second, one INSERT each would cost more than the statements themselves. Events
// are chained per session in memory (session-event-chain.ts) and flushed every FLUSH_MS or
// BATCH_SIZE events, in one INSERT … SELECT FROM unnest(…) on the plain pool.
//
// Fail closed: a session whose recording cannot be written is ended (onFailure), because a
// session nobody can audit must not go on (the same rule as for the session row itself). When
// the cause is the database out of reach, the batch is also kept and written again until the
// database is back (or shutdown stops waiting), so that what did run is on record in full.
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../platform/database/database-unavailable.js';
import { PlainSqlPool } from '../../platform/database/plain-sql-pool.js';
import { retryWhileUnavailable } from '../../platform/database/retry-while-unavailable.js';
import { GENESIS_HASH, hashSessionEvent, type ChainedSessionEvent, type SessionEventInput } from '../../port/session-event-chain.js';

const FLUSH_MS = 50;
const BATCH_SIZE = 500;
/** Statements and parameters are recorded up to this many characters each. */
const MAX_TEXT = 16 * 1024;

export interface SessionEventLog {
  append(event: SessionEventInput): void;
  /** Flushes what is left; the count and the head of the chain, for the close event. */
  close(): Promise<{ count: number; head: string }>;
}

@Injectable()
export class SessionEventWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('SessionEventWriter');
  private queue: ChainedSessionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly failureHandlers = new Map<string, (message: string) => void>();
  private readonly retrying = new AbortController();

  constructor(@Inject(PlainSqlPool) private readonly pool: PlainSqlPool) {}

  /**
   * A session's log; `onFailure` ends the session if its events cannot be stored. `close` seals
   * it: the count and head it returns are what the session's row keeps, so an event that comes
   * after (an exchange still in flight when a fault ended the session) is not stored but logged —
   * stored, it would make an untouched recording fail its verification (found by `pnpm chaos`).
   */
  open(sessionId: string, onFailure: (message: string) => void): SessionEventLog {
    let seq = 0;
    let head = GENESIS_HASH;
    let sealed = false;
    this.failureHandlers.set(sessionId, onFailure);
    return {
      append: (input) => {
        if (sealed) {
          this.logger.warn({ sessionId, kind: input.kind, outcome: input.outcome }, 'an event came after the recording was sealed; not stored');
          return;
        }
        seq += 1;
        const event = chainable(input, sessionId, seq, head);
        event.hash = hashSessionEvent(head, sessionId, seq, event);
        head = event.hash;
        this.enqueue(event);
      },
      close: async () => {
        sealed = true;
        await this.flush();
        this.failureHandlers.delete(sessionId);
        return { count: seq, head };
      },
    };
  }

  /** Writes everything queued so far; resolves when it is stored (or has failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    // Batches are written one after another so that each session's events land in seq order.
    this.writing = this.writing.then(() => (batch.length > 0 ? this.write(batch) : undefined));
    return this.writing;
  }

  /** Shutdown waits no longer: a batch still failing for an unreachable database is given up. */
  stopRetrying(): void {
    this.retrying.abort();
  }

  /** Before the pool closes (PlainSqlPool, onApplicationShutdown): the last batch still writes (once). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopRetrying();
    await this.flush();
  }

  private enqueue(event: ChainedSessionEvent): void {
    this.queue.push(event);
    if (this.queue.length >= BATCH_SIZE) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  private async write(batch: ChainedSessionEvent[]): Promise<void> {
    try {
      await this.insert(batch);
    } catch (error) {
      const sessions = new Set(batch.map((e) => e.sessionId));
      this.logger.error({ err: error, sessions: sessions.size, events: batch.length }, 'could not store session recordings; ending those sessions');
      for (const id of sessions) this.failureHandlers.get(id)?.('the gateway could not record the session');
      if (!isDatabaseUnavailable(error)) return;
      await retryWhileUnavailable(
        () => this.insert(batch),
        this.retrying.signal,
        () => undefined,
      ).then(
        () => this.logger.log({ sessions: sessions.size, events: batch.length }, 'stored session recordings once the database was back'),
        (late: unknown) => this.logger.error({ err: late, sessions: sessions.size, events: batch.length }, 'gave up storing session recordings'),
      );
    }
  }

  private async insert(batch: ChainedSessionEvent[]): Promise<void> {
    await this.pool.rows(
      `INSERT INTO session_events (session_id, seq, at, kind, statement, parameters, command_tag, row_count, duration_ms, outcome, details, prev_hash, hash)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::bigint[], $9::float8[], $10::text[], $11::jsonb[], $12::text[], $13::text[])`,
      [
        batch.map((e) => e.sessionId),
        batch.map((e) => e.seq),
        batch.map((e) => e.at.toISOString()),
        batch.map((e) => e.kind),
        batch.map((e) => e.statement ?? null),
        batch.map((e) => (e.parameters ? JSON.stringify(e.parameters) : null)),
        batch.map((e) => e.commandTag ?? null),
        batch.map((e) => (e.rowCount === null || e.rowCount === undefined ? null : String(e.rowCount))),
        batch.map((e) => e.durationMs ?? null),
        batch.map((e) => e.outcome),
        batch.map((e) => JSON.stringify(e.details ?? {})),
        batch.map((e) => e.prevHash),
        batch.map((e) => e.hash),
      ],
    );
  }
}

// PostgreSQL text and jsonb cannot hold NUL: a client sending one must not fail the batch that
// also carries other sessions' events.
function clip(text: string): string {
  const clean = text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…[${clean.length - MAX_TEXT} more characters]` : clean;
}

function cleanDetails(details: Record<string, unknown>): Record<string, unknown> {
  // Most events carry no details or a count: nothing that could hold a NUL.
  let plain = true;
  for (const key in details) if (typeof details[key] !== 'number') plain = false;
  if (plain) return details;
  const json = JSON.stringify(details);
  return json.includes('\\u0000') ? (JSON.parse(json.replaceAll('\\u0000', '\\ufffd')) as Record<string, unknown>) : details;
}

/**
 * What is hashed is what is stored: clipped texts, millisecond times, rounded durations. Built as
 * one literal with every field (the hash filled in next): `{ ...event, seq, … }` cost ≈ 9 µs per
 * recorded statement on Node 20 — more than the SHA-256 — as V8 copies into a slow object when a
 * spread gains properties (bench/README.md, "Postgres through the gateway").
 */
function chainable(input: SessionEventInput, sessionId: string, seq: number, prevHash: string): ChainedSessionEvent {
  return {
    sessionId,
    seq,
    prevHash,
    hash: '',
    at: input.at,
    kind: input.kind,
    statement: input.statement === undefined || input.statement === null ? null : clip(input.statement),
    parameters: input.parameters ? input.parameters.map((p) => (p === null ? null : clip(p))) : null,
    commandTag: input.commandTag ?? null,
    rowCount: input.rowCount ?? null,
    durationMs: input.durationMs === undefined || input.durationMs === null ? null : Math.round(input.durationMs * 1000) / 1000,
    outcome: input.outcome,
    details: cleanDetails(input.details ?? {}),
  };
}
