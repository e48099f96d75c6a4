// What the gateway expects back from the server, message by message (docs/postgres.md,
// "Recording"). The server answers a Query, or an extended-protocol batch up to its Sync, in the
// order the messages were sent, ending with one ReadyForQuery: each is a group here, and each
// message that the server answers is a step of its group: Parse → ParseComplete, Bind →
// BindComplete, Close → CloseComplete, Describe → (ParameterDescription) RowDescription | NoData,
// Execute or a statement of a Query → (RowDescription) DataRow… CommandComplete | EmptyQueryResponse
// | PortalSuspended | an error. After an error the server skips the rest of the group; the
// ReadyForQuery then settles the group: statements that did not run are recorded so, and the
// session catalog keeps only the changes made before the failure (pg-session-catalog.ts).
//
// The conversation also tells the client side when the server has answered everything sent
// before a point (`settledBefore`): a statement whose reading depends on a setting, or that names
// an object an earlier group is still changing, waits for that.
import type { SessionEventInput } from '../../port/session-event-chain.js';
import type { StatementLineage } from '@jitgate/sql-guard';
import type { PgSessionCatalog, PortalEntry, PreparedEntry } from './pg-session-catalog.js';

/** A statement that runs: one of a Query's, or an Execute's. */
export interface PendingRun {
  readonly statement: string;
  readonly parameters: Array<string | null> | null;
  /** Where its columns come from; null: unknown (masking fails closed). */
  readonly lineage: StatementLineage | null;
  /** The portal an Execute runs (its layout masks the rows). */
  readonly portal: PortalEntry | undefined;
  /** A stand-in for a refused statement: its block is already recorded. */
  readonly silent: boolean;
  /** An unparseable Query let through: the server may answer it with several statements. */
  readonly multi: boolean;
  startedAt: number;
  rows: number;
  masked: number;
  /** A Query statement's layout, from its RowDescription. */
  layout: unknown;
}

export type Step =
  | { readonly kind: 'parse'; readonly name: string; readonly entry: PreparedEntry }
  | { readonly kind: 'bind'; readonly portal: PortalEntry }
  | { readonly kind: 'close' }
  | { readonly kind: 'describe'; readonly portal: PortalEntry | undefined; readonly swallow: boolean }
  | { readonly kind: 'run'; readonly run: PendingRun }
  /** A stand-in the server rejects: its error becomes the refusal (ServerMessages). */
  | { readonly kind: 'refusal' };

export class Group {
  readonly steps: Step[] = [];
  /** The step the server is answering. */
  next = 0;
  /** The first step that failed (the server skipped everything after it). */
  firstFailed = Number.POSITIVE_INFINITY;
  /** Sync (or the Query itself) was sent: a ReadyForQuery will end it. */
  closed = false;

  constructor(readonly kind: 'query' | 'extended') {}

  get head(): Step | undefined {
    return this.steps[this.next];
  }
}

export class PgConversation {
  private readonly groups: Group[] = [];
  private openBatch: Group | undefined;
  private readonly waiters: Array<{ before: Group | undefined; resolve: () => void }> = [];

  constructor(
    private readonly catalog: PgSessionCatalog,
    private readonly record: (event: SessionEventInput) => void,
    private readonly clock: { now(): number; wall(): Date },
  ) {}

  // ---- the client side ---------------------------------------------------------------------

  /** A Query: a group of its own. */
  query(): Group {
    const group = new Group('query');
    group.closed = true;
    this.groups.push(group);
    return group;
  }

  /** The extended-protocol batch the client is writing (opened by its first message). */
  batch(): Group {
    if (!this.openBatch) {
      this.openBatch = new Group('extended');
      this.groups.push(this.openBatch);
    }
    return this.openBatch;
  }

  /** An extended-protocol batch is open (a Query now would be a protocol error). */
  get batchOpen(): boolean {
    return this.openBatch !== undefined && this.openBatch.steps.length > 0;
  }

  /** Sync: the batch ends; the server answers it with one ReadyForQuery. */
  sync(): void {
    this.batch().closed = true;
    this.openBatch = undefined;
  }

  add(group: Group, step: Step): number {
    group.steps.push(step);
    return group.steps.length - 1;
  }

  run(group: Group, init: Pick<PendingRun, 'statement' | 'parameters' | 'lineage' | 'portal'> & { silent?: boolean; multi?: boolean }): PendingRun {
    const run: PendingRun = { silent: false, multi: false, ...init, startedAt: this.clock.now(), rows: 0, masked: 0, layout: undefined };
    this.add(group, { kind: 'run', run });
    return run;
  }

  /**
   * Resolves once the server has answered every group sent before `current` (the batch being
   * written, or undefined for a new Query); undefined when it already has.
   */
  settledBefore(current: Group | undefined): Promise<void> | undefined {
    if (this.isSettledBefore(current)) return undefined;
    return new Promise((resolve) => this.waiters.push({ before: current, resolve }));
  }

  private isSettledBefore(current: Group | undefined): boolean {
    return this.groups.every((group) => group === current);
  }

  // ---- the server side ---------------------------------------------------------------------

  /** The group the server is answering. */
  get serving(): Group | undefined {
    return this.groups[0];
  }

  /** The step the server is answering. */
  get head(): Step | undefined {
    return this.groups[0]?.head;
  }

  /** The statement whose rows are arriving, if the head step runs one. */
  get current(): PendingRun | undefined {
    const head = this.head;
    return head?.kind === 'run' ? head.run : undefined;
  }

  /** The head step is answered; returns it. */
  advance(): Step | undefined {
    const group = this.groups[0];
    if (!group) return undefined;
    const step = group.head;
    if (step) group.next += 1;
    return step;
  }

  /** CommandComplete, EmptyQueryResponse, PortalSuspended: the head statement is done. */
  complete(outcome: 'ok' | 'suspended', commandTag: string): void {
    const run = this.current;
    if (!run) return;
    if (!run.multi) this.advance();
    // An approved execution that ran to its end is over: running the portal again needs a new approval.
    if (run.portal && outcome === 'ok') run.portal.approvedRun = false;
    if (run.silent) return;
    this.record({
      at: this.clock.wall(),
      kind: 'statement',
      statement: run.statement,
      parameters: run.parameters,
      commandTag,
      rowCount: rowCountOf(commandTag) ?? run.rows,
      durationMs: this.clock.now() - run.startedAt,
      outcome,
      details: run.masked > 0 ? { maskedValues: run.masked } : {},
    });
    if (run.multi) {
      run.rows = 0;
      run.masked = 0;
      run.layout = undefined;
      run.startedAt = this.clock.now();
    }
  }

  /** ErrorResponse: the head step failed and the server skips the rest of the group. */
  fail(error: { code: string; message: string }, record = true): Step | undefined {
    const group = this.groups[0];
    if (!group) return undefined;
    const failedAt = group.next;
    const step = group.head;
    if (group.firstFailed === Number.POSITIVE_INFINITY) group.firstFailed = failedAt;
    // Everything after it is skipped: no more steps of this group are answered.
    group.next = group.steps.length;
    if (step?.kind === 'run' && !step.run.silent && record) {
      this.record({
        at: this.clock.wall(),
        kind: 'statement',
        statement: step.run.statement,
        parameters: step.run.parameters,
        commandTag: null,
        rowCount: step.run.rows,
        durationMs: this.clock.now() - step.run.startedAt,
        outcome: 'error',
        details: { sqlstate: error.code, message: error.message },
      });
    }
    this.skipped(group, failedAt + 1);
    return step;
  }

  /** ReadyForQuery: the serving group is over. */
  finishGroup(transactionStatus: string): void {
    const group = this.groups.shift();
    if (!group) return;
    if (group === this.openBatch) this.openBatch = undefined;
    // An unparseable Query let through is answered by as many statements as the server saw.
    if (group.head?.kind === 'run' && group.head.run.multi) group.next += 1;
    // Steps never answered (a ReadyForQuery too early would be the server's breach) did not happen.
    if (group.next < group.steps.length && group.firstFailed === Number.POSITIVE_INFINITY) {
      group.firstFailed = group.next;
      this.skipped(group, group.next);
    }
    this.catalog.settle(group, group.firstFailed, transactionStatus);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (this.isSettledBefore(waiter.before)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Statements of `group` from step `from` on did not run. */
  private skipped(group: Group, from: number): void {
    for (const step of group.steps.slice(from)) {
      if (step.kind !== 'run' || step.run.silent) continue;
      this.record({ at: this.clock.wall(), kind: 'statement', statement: step.run.statement, parameters: step.run.parameters, outcome: 'not_run' });
    }
  }
}

/** The row count at the end of a command tag: "SELECT 5", "INSERT 0 1", "UPDATE 3", "COPY 10". */
export function rowCountOf(tag: string): number | null {
  const match = /^(?:SELECT|INSERT \d+|UPDATE|DELETE|MERGE|COPY|FETCH|MOVE) (\d+)$/.exec(tag);
  return match ? Number(match[1]) : null;
}
