// The objects a Postgres session keeps by name, as the server keeps them (docs/postgres.md,
// "Prepared statements and cursors"): prepared statements (protocol Parse and SQL PREPARE share one
// namespace) and portals (protocol Bind and SQL DECLARE … CURSOR share another). The gateway
// judges an Execute, an EXECUTE or a FETCH by the entry of its name, so that entry must be the
// server's, never the client's claim:
//
// - A change (create or drop) is applied when the client's message goes on, tagged with its group
//   (a Query, or an extended-protocol batch up to Sync: pg-conversation.ts) and the index of its
//   step there, and remembers what it replaced. Inside that group the new entry is right: after
//   an error the server skips the rest of the group, so a later message of the group runs
//   against the new entry or not at all.
// - When the server has answered the group, changes made by steps before the first failed one
//   are kept; the others never happened and are undone. The confirmed state is the server's.
// - A message of a later group that names an entry with a change still pending in an earlier
//   group waits until that group is answered (`pending`): the gateway never guesses.
// - Portals end with their transaction: at a ReadyForQuery outside a transaction block, or in a
//   failed one, every portal but a WITH HOLD cursor is gone. An entry the gateway still holds for a
//   portal the server dropped is harmless (the server refuses to run it); a name the gateway does
//   not know is refused where that matters (pg-client-messages.ts).
import type { StatementInfo, StatementLineage } from '@jitgate/sql-guard';

/** What the guard decided about a stored statement when it was prepared. */
export type PreparedVerdict = { action: 'allow' } | { action: 'approve'; classes: string[]; reason: string };

export interface PreparedEntry {
  /** The statement's text as the client sent it (for SQL PREPARE, the whole PREPARE statement). */
  readonly sql: string;
  /** Its analysis, or null when the guard could not read it (let through, flagged). */
  readonly info: StatementInfo | null;
  readonly verdict: PreparedVerdict;
  /** Where its result columns come from; null when unknown (masking then fails closed). */
  readonly lineage: StatementLineage | null;
}

export interface PortalEntry {
  /** bind: protocol Bind of a prepared statement; cursor: SQL DECLARE … CURSOR. */
  readonly kind: 'bind' | 'cursor';
  readonly statement: PreparedEntry;
  /** Bind parameters as recorded (text masked by the detectors, binary by size). */
  readonly parameters: Array<string | null> | null;
  /** A cursor WITH HOLD outlives its transaction. */
  readonly hold: boolean;
  /** How its rows are masked, set from the RowDescription answering a Describe of it. */
  layout: unknown;
  /** A Describe of it was sent (by the client or by the gateway). */
  described: boolean;
  /** An approved execution is under way: the same portal may be continued after PortalSuspended. */
  approvedRun: boolean;
}

interface Change<T> {
  readonly group: object;
  readonly step: number;
  readonly previous: T | undefined;
}

export class Namespace<T> {
  private readonly entries = new Map<string, T>();
  /** Names changed by a group the server has not answered yet, in order. */
  private readonly changes = new Map<string, Array<Change<T>>>();

  get(name: string): T | undefined {
    return this.entries.get(name);
  }

  /** Creates or replaces `name` (or drops it, with `entry` undefined) at step `step` of `group`. */
  set(name: string, entry: T | undefined, group: object, step: number): void {
    const previous = this.entries.get(name);
    if (entry === undefined) this.entries.delete(name);
    else this.entries.set(name, entry);
    const list = this.changes.get(name) ?? [];
    list.push({ group, step, previous });
    this.changes.set(name, list);
  }

  /** Whether any name has a change the server has not answered yet. */
  get changing(): boolean {
    return this.changes.size > 0;
  }

  /** Whether `name` has a change the server has not answered yet, made by a group other than `current`. */
  pending(name: string, current: object | undefined): boolean {
    return (this.changes.get(name) ?? []).some((change) => change.group !== current);
  }

  /** The server answered `group`; its steps from `firstFailed` on did not happen. */
  settle(group: object, firstFailed: number): void {
    for (const [name, list] of this.changes) {
      const undone = list.find((change) => change.group === group && change.step >= firstFailed);
      if (undone) {
        if (undone.previous === undefined) this.entries.delete(name);
        else this.entries.set(name, undone.previous);
      }
      const rest = list.filter((change) => change.group !== group);
      if (rest.length === 0) this.changes.delete(name);
      else this.changes.set(name, rest);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Drops entries that `drop` selects, except those with a change pending. */
  dropWhere(drop: (entry: T) => boolean): void {
    for (const [name, entry] of this.entries) if (!this.changes.has(name) && drop(entry)) this.entries.delete(name);
  }
}

export class PgSessionCatalog {
  readonly statements = new Namespace<PreparedEntry>();
  readonly portals = new Namespace<PortalEntry>();

  /** The server answered `group` (its ReadyForQuery came): keep or undo its changes. */
  settle(group: object, firstFailed: number, transactionStatus: string): void {
    this.statements.settle(group, firstFailed);
    this.portals.settle(group, firstFailed);
    // Outside a transaction block ('I') or in a failed one ('E') no portal runs but a WITH HOLD cursor.
    if (transactionStatus === 'I' || transactionStatus === 'E') this.portals.dropWhere((portal) => !portal.hold);
  }

  /** DISCARD ALL: no prepared statement or cursor is left. */
  discardAll(group: object, step: number): void {
    for (const name of this.statements.names()) this.statements.set(name, undefined, group, step);
    for (const name of this.portals.names()) this.portals.set(name, undefined, group, step);
  }
}
