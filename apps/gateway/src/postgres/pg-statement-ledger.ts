// What the gateway expects back from the server, in order (docs/postgres.md, "Recording").
// The server answers a Query, or an extended-protocol batch up to its Sync, in the order they
// were sent, with one ReadyForQuery at the end; each is a group here. Inside a group, every
// statement that runs (each statement of a Query, each Execute) is a pending entry that the
// server's CommandComplete, EmptyQueryResponse, PortalSuspended or ErrorResponse completes, and
// every Describe waits for its RowDescription or NoData. Entries the server skipped (after an
// error) are recorded as not run when the group's ReadyForQuery arrives.
import type { SessionEventInput } from '../session/session-event-chain.js';

export interface PendingStatement {
  statement: string;
  parameters: Array<string | null> | null;
  startedAt: number;
  rows: number;
  masked: number;
  /** A stand-in for a blocked statement: the block is already recorded. */
  silent: boolean;
}

export interface DescribeExpectation {
  /** Describe of a portal: its RowDescription is the layout of the rows that follow. */
  portal: boolean;
  /** Sent by the gateway (to learn the layout for masking): the client never sees the answer. */
  swallow: boolean;
}

export interface StatementGroup {
  readonly kind: 'query' | 'extended';
  readonly pending: PendingStatement[];
  readonly describes: DescribeExpectation[];
}

export class StatementLedger {
  private readonly groups: StatementGroup[] = [];
  private openBatch: StatementGroup | undefined;

  constructor(
    private readonly record: (event: SessionEventInput) => void,
    private readonly clock: { now(): number; wall(): Date },
  ) {}

  /** A Query: its own group. */
  query(): StatementGroup {
    const group: StatementGroup = { kind: 'query', pending: [], describes: [] };
    this.openBatch = undefined;
    this.groups.push(group);
    return group;
  }

  /** The extended-protocol batch the client is writing (opened by its first message). */
  batch(): StatementGroup {
    if (!this.openBatch) {
      this.openBatch = { kind: 'extended', pending: [], describes: [] };
      this.groups.push(this.openBatch);
    }
    return this.openBatch;
  }

  /** Sync: the batch ends; the server answers it with one ReadyForQuery. */
  sync(): void {
    this.batch();
    this.openBatch = undefined;
  }

  expect(group: StatementGroup, statement: string, parameters: Array<string | null> | null, silent = false): void {
    group.pending.push({ statement, parameters, startedAt: this.clock.now(), rows: 0, masked: 0, silent });
  }

  /** The group the server is answering now. */
  get serving(): StatementGroup | undefined {
    return this.groups[0];
  }

  /** The statement whose rows are arriving. */
  get current(): PendingStatement | undefined {
    return this.groups[0]?.pending[0];
  }

  /** CommandComplete and friends: the head statement is done. */
  complete(outcome: 'ok' | 'suspended', commandTag: string): void {
    const head = this.groups[0]?.pending.shift();
    if (!head || head.silent) return;
    this.record({
      at: this.clock.wall(),
      kind: 'statement',
      statement: head.statement,
      parameters: head.parameters,
      commandTag,
      rowCount: rowCountOf(commandTag) ?? head.rows,
      durationMs: this.clock.now() - head.startedAt,
      outcome,
      details: head.masked > 0 ? { maskedValues: head.masked } : {},
    });
  }

  /** ErrorResponse: the head statement failed (or a Parse/Bind before it did; it did not run). */
  fail(error: { code: string; message: string }, record = true): void {
    const head = this.groups[0]?.pending.shift();
    if (!head || head.silent || !record) return;
    this.record({
      at: this.clock.wall(),
      kind: 'statement',
      statement: head.statement,
      parameters: head.parameters,
      commandTag: null,
      rowCount: head.rows,
      durationMs: this.clock.now() - head.startedAt,
      outcome: 'error',
      details: { sqlstate: error.code, message: error.message },
    });
  }

  /** ReadyForQuery: the serving group is over; what it still holds was skipped by the server. */
  finishGroup(): void {
    const group = this.groups.shift();
    if (group === this.openBatch) this.openBatch = undefined;
    for (const skipped of group?.pending ?? []) {
      if (skipped.silent) continue;
      this.record({ at: this.clock.wall(), kind: 'statement', statement: skipped.statement, parameters: skipped.parameters, outcome: 'not_run' });
    }
  }
}

/** The row count at the end of a command tag: "SELECT 5", "INSERT 0 1", "UPDATE 3", "COPY 10". */
export function rowCountOf(tag: string): number | null {
  const match = /^(?:SELECT|INSERT \d+|UPDATE|DELETE|MERGE|COPY|FETCH|MOVE) (\d+)$/.exec(tag);
  return match ? Number(match[1]) : null;
}
