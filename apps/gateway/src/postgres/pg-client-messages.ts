// The client's messages, one by one, after login (docs/postgres.md, "What the gateway checks").
// Every statement is checked before it reaches the server: a Query's whole text (all of its
// statements), a Parse's text, and at each Execute what the portal runs. Allowed messages go on
// byte for byte. A refused one is replaced by a stand-in the server rejects as a syntax error, so
// that the error arrives in the right place among the server's answers and the transaction fails
// exactly as if the server itself had refused; ServerMessages turns that error into the
// gateway's own. Held messages wait for a human before either path.
//
// Three rules keep the gateway's reading of the session the server's (docs/security.md):
// - A statement whose reading depends on session settings (a backslash, a byte past ASCII) is
//   read only once the server has answered everything before it, so that any change of a
//   pinned setting has been reported (and has ended the session) first. Inside an
//   extended-protocol batch, after other messages, that cannot be known: it is refused.
// - A message naming a prepared statement or portal that an earlier, unanswered group is
//   changing waits for that group's answer (pg-session-catalog.ts).
// - One approval is for one execution: a held Execute (or a Query running EXECUTE) runs once,
//   with the parameter values the approver saw; the next execution is held again.
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import {
  decodeBind,
  decodeClose,
  decodeDescribe,
  decodeExecute,
  decodeParse,
  decodeQuery,
  encodeDescribe,
  encodeParse,
  encodeQuery,
  FrontendType,
  type PgMessage,
} from '@jitgate/pgwire';
import type { Masker } from '@jitgate/masking';
import type { SessionObjects, StatementInfo } from '@jitgate/sql-guard';
import type { SessionEventInput } from '../session/session-event-chain.js';
import type { Group, PgConversation } from './pg-conversation.js';
import type { Refusal } from './pg-server-messages.js';
import type { PgSessionCatalog, PortalEntry, PreparedEntry } from './pg-session-catalog.js';
import { dependsOnSessionSettings, type CatalogView, type StatementGuard, type StatementVerdict } from './pg-statement-guard.js';

/** `refused`: no request was created (the identity has too many waiting); the message says so. */
export type HeldDecision = { requestId: string; status: 'approved' | 'denied' | 'timed_out' | 'cancelled' } | { requestId: null; status: 'refused'; message: string };

/** What an approver is shown: exactly what runs if they approve. */
export interface HoldRequest {
  statement: string;
  parameters: Array<string | null> | null;
  classes: string[];
  reason: string;
  /** For an EXECUTE: the prepared statements it runs. */
  prepared: Array<{ name: string; statement: string }>;
}

export interface ClientSideDeps {
  guard: StatementGuard;
  masker: Masker | null;
  record(event: SessionEventInput): void;
  /** Holds a statement for approval: resolves with the human's decision (or the time-out). */
  hold(request: HoldRequest): Promise<HeldDecision>;
  toServer(bytes: Buffer): void;
  /** Marks a stand-in's nonce with the refusal the client must see instead of its error. */
  refuse(nonce: string, refusal: Refusal): void;
  wall(): Date;
}

/** The client broke the protocol: the session ends with a FATAL 08P01. */
export class ClientProtocolError extends Error {}

const NOT_UTF8: Refusal = { sqlstate: '22021', message: 'jitgate: the statement is not valid UTF-8; this session reads SQL as UTF-8 (client_encoding UTF8)' };

export class ClientMessages {
  private readonly view: CatalogView;

  constructor(
    private readonly conversation: PgConversation,
    private readonly catalog: PgSessionCatalog,
    private readonly deps: ClientSideDeps,
  ) {
    this.view = { prepared: (name) => catalog.statements.get(name), portal: (name) => catalog.portals.get(name) };
  }

  /** Handles one message; a promise means the message is held and nothing else may run until it settles. */
  handle(message: PgMessage): void | Promise<void> {
    switch (message.type) {
      case FrontendType.Query:
        return this.onQuery(message);
      case FrontendType.Parse:
        return this.onParse(message);
      case FrontendType.Bind:
        return this.onBind(message);
      case FrontendType.Describe:
        return this.onDescribe(message);
      case FrontendType.Execute:
        return this.onExecute(message);
      case FrontendType.Close:
        return this.onClose(message);
      case FrontendType.Sync:
        this.conversation.sync();
        return this.deps.toServer(message.raw);
      case FrontendType.Flush:
      case FrontendType.CopyData:
      case FrontendType.CopyDone:
      case FrontendType.CopyFail:
      case FrontendType.Terminate:
        return this.deps.toServer(message.raw);
      case FrontendType.FunctionCall:
        // The fast-path call runs a function by OID, past any SQL check: never forwarded.
        return this.refuseQuery('function call', { sqlstate: '42501', message: 'jitgate: fast-path function calls (FunctionCall messages) are not allowed' }, 'function_call');
      default:
        throw new ClientProtocolError(`unexpected message type "${String.fromCharCode(message.type)}" after login`);
    }
  }

  // ---- simple query ------------------------------------------------------------------------

  private onQuery(message: PgMessage): void | Promise<void> {
    if (this.conversation.batchOpen) throw new ClientProtocolError('a Query inside an unfinished extended-protocol batch (send Sync first)');
    if (!isUtf8(message.body)) return this.refuseQuery('(not UTF-8)', NOT_UTF8, 'encoding');
    const { sql } = decodeQuery(message.body);
    // Read once everything before it is answered, when its reading depends on the settings or
    // the objects it names are still changing.
    const wait = this.mustWait(sql, undefined) ? this.conversation.settledBefore(undefined) : undefined;
    const decide = () => this.decideQuery(message, sql);
    return wait ? wait.then(decide) : decide();
  }

  private decideQuery(message: PgMessage, sql: string): void | Promise<void> {
    const verdict = this.deps.guard.check(sql, this.view);
    const run = (): void => {
      const group = this.conversation.query();
      this.expectStatements(group, sql, verdict);
      this.deps.toServer(message.raw);
    };
    return this.apply(sql, null, verdict, run, (refusal, rule) => this.refuseQuery(sql, refusal, rule));
  }

  private refuseQuery(sql: string, refusal: Refusal, rule: string): void {
    this.recordBlock(sql, refusal, rule);
    const group = this.conversation.query();
    this.conversation.add(group, { kind: 'refusal' });
    this.deps.toServer(encodeQuery(this.standIn(refusal)));
  }

  /** One run per statement of the Query, each with its lineage, and the objects it changes. */
  private expectStatements(group: Group, sql: string, verdict: StatementVerdict): void {
    if (verdict.action === 'block') return;
    if (verdict.statements.length === 0) {
      // Unparseable but let through (flagged), or empty: the server answers as it reads it.
      const flagged = verdict.action === 'allow' && verdict.flagged !== undefined;
      this.conversation.run(group, { statement: sql, parameters: null, lineage: null, portal: undefined, multi: flagged });
      return;
    }
    for (const statement of verdict.statements) {
      this.conversation.run(group, { statement: statement.text, parameters: null, lineage: statement.lineage, portal: undefined });
      this.applyObjects(statement, group, group.steps.length - 1);
    }
  }

  // ---- extended query ----------------------------------------------------------------------

  private onParse(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    if (!isUtf8(message.body)) return this.refuseInBatch(group, '(not UTF-8)', NOT_UTF8, 'encoding');
    const { name, sql } = decodeParse(message.body);
    if (dependsOnSessionSettings(sql) && group.steps.length > 0) {
      return this.refuseInBatch(group, sql, { sqlstate: '0A000', message: 'jitgate: this statement is read differently under different session settings (it holds a backslash or a character past ASCII), and in the middle of a batch the gateway cannot know the settings the server will read it under; send it first in a batch (after a Sync)' }, 'settings');
    }
    const wait = this.mustWait(sql, group) || (name !== '' && this.catalog.statements.pending(name, group)) ? this.conversation.settledBefore(group) : undefined;
    const decide = () => this.decideParse(message, group, name, sql);
    return wait ? wait.then(decide) : decide();
  }

  private decideParse(message: PgMessage, group: Group, name: string, sql: string): void | Promise<void> {
    // Named statements are never replaced by the server: a second Parse of a name fails there.
    // Refused here first, so that the gateway's entry stays the one the server has.
    if (name !== '' && this.catalog.statements.get(name)) {
      return this.refuseInBatch(group, sql, { sqlstate: '42P05', message: `jitgate: prepared statement "${name}" already exists` }, 'duplicate');
    }
    const verdict = this.deps.guard.check(sql, this.view);
    const info = verdict.action === 'block' ? null : (verdict.statements[0] ?? null);
    const forward = (stored: PreparedEntry['verdict']): void => {
      const entry: PreparedEntry = { sql, info, verdict: stored, lineage: info?.lineage ?? null };
      const step = this.conversation.add(group, { kind: 'parse', name, entry });
      this.catalog.statements.set(name, entry, group, step);
      this.deps.toServer(message.raw);
    };
    switch (verdict.action) {
      case 'allow':
        if (verdict.flagged) this.deps.record({ at: this.deps.wall(), kind: 'flagged', statement: sql, outcome: 'info', details: { note: verdict.flagged } });
        return forward({ action: 'allow' });
      case 'approve':
        // Preparing runs nothing: the approval is asked at each Execute, with its parameter values.
        return forward({ action: 'approve', classes: verdict.classes, reason: verdict.reason });
      case 'block':
        return this.refuseInBatch(group, sql, this.blockRefusal(verdict), verdict.rule);
    }
  }

  private onBind(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const bind = decodeBind(message.body);
    const pending = this.catalog.statements.pending(bind.statement, group) || this.catalog.portals.pending(bind.portal, group);
    const decide = () => this.decideBind(message, group, bind);
    const wait = pending ? this.conversation.settledBefore(group) : undefined;
    return wait ? wait.then(decide) : decide();
  }

  private decideBind(message: PgMessage, group: Group, bind: ReturnType<typeof decodeBind>): void {
    const statement = this.catalog.statements.get(bind.statement);
    if (!statement) {
      return this.refuseInBatch(group, `(bind of "${bind.statement}")`, { sqlstate: '26000', message: `jitgate: prepared statement "${bind.statement}" is not one the gateway saw prepared` }, 'unknown_prepared');
    }
    const parameters = bind.params.map((value, i) => {
      if (value === null) return null;
      const format = bind.paramFormats.length === 0 ? 0 : bind.paramFormats.length === 1 ? bind.paramFormats[0] : bind.paramFormats[i];
      if (format !== 0) return `<binary, ${value.length} bytes>`;
      const text = value.toString('utf8');
      return this.deps.masker?.scanText(text)?.text ?? text;
    });
    const portal: PortalEntry = { kind: 'bind', statement, parameters, hold: false, layout: undefined, described: false, approvedRun: false };
    const step = this.conversation.add(group, { kind: 'bind', portal });
    this.catalog.portals.set(bind.portal, portal, group, step);
    this.deps.toServer(message.raw);
  }

  private onDescribe(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const { kind, name } = decodeDescribe(message.body);
    const space = kind === 'P' ? this.catalog.portals : this.catalog.statements;
    const decide = (): void => {
      const portal = kind === 'P' ? this.catalog.portals.get(name) : undefined;
      if (portal) portal.described = true;
      this.conversation.add(group, { kind: 'describe', portal, swallow: false });
      this.deps.toServer(message.raw);
    };
    const wait = space.pending(name, group) ? this.conversation.settledBefore(group) : undefined;
    return wait ? wait.then(decide) : decide();
  }

  private onExecute(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const { portal: name } = decodeExecute(message.body);
    const decide = () => this.decideExecute(message, group, name);
    const wait = this.catalog.portals.pending(name, group) ? this.conversation.settledBefore(group) : undefined;
    return wait ? wait.then(decide) : decide();
  }

  private decideExecute(message: PgMessage, group: Group, name: string): void | Promise<void> {
    const portal = this.catalog.portals.get(name);
    if (!portal) {
      // Only the server makes portals the gateway did not see (a function's refcursor): their
      // rows cannot be masked by what the gateway knows.
      if (this.deps.masker) {
        return this.refuseInBatch(group, `(portal "${name}")`, { sqlstate: '34000', message: `jitgate: portal "${name}" is not one the gateway saw bound or declared, so its rows cannot be masked` }, 'unknown_portal');
      }
      this.conversation.run(group, { statement: `(portal "${name}")`, parameters: null, lineage: null, portal: undefined });
      return this.deps.toServer(message.raw);
    }
    const statement = portal.statement;
    // A statement that names other objects (EXECUTE, FETCH) is judged again now: they may have changed.
    let needs = statement.verdict;
    if (statement.info?.objects?.executes || statement.info?.objects?.fetches !== undefined) {
      const now = this.deps.guard.check(statement.sql, this.view);
      if (now.action === 'block') return this.refuseInBatch(group, statement.sql, this.blockRefusal(now), now.rule);
      needs = now.action === 'approve' ? { action: 'approve', classes: now.classes, reason: now.reason } : { action: 'allow' };
    }
    const run = (): void => {
      if (needs.action === 'approve') portal.approvedRun = true;
      if (this.deps.masker && !portal.described) {
        // The client did not ask for the portal's columns; the gateway must know them to mask.
        portal.described = true;
        this.conversation.add(group, { kind: 'describe', portal, swallow: true });
        this.deps.toServer(encodeDescribe('P', name));
      }
      const lineage = portal.statement.lineage;
      this.conversation.run(group, { statement: statement.sql, parameters: portal.parameters, lineage, portal });
      if (statement.info) this.applyObjects(statement.info, group, group.steps.length - 1);
      this.deps.toServer(message.raw);
    };
    // An approved execution continues (after PortalSuspended) without a new approval; a new one waits.
    if (needs.action !== 'approve' || portal.approvedRun) return run();
    const verdict: StatementVerdict = { action: 'approve', classes: needs.classes, reason: needs.reason, statements: [], prepared: [] };
    return this.apply(statement.sql, portal.parameters, verdict, run, (refusal, rule) => this.refuseInBatch(group, statement.sql, refusal, rule));
  }

  private onClose(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const { kind, name } = decodeClose(message.body);
    const space = kind === 'S' ? this.catalog.statements : this.catalog.portals;
    const decide = (): void => {
      const step = this.conversation.add(group, { kind: 'close' });
      if (kind === 'S') this.catalog.statements.set(name, undefined, group, step);
      else this.catalog.portals.set(name, undefined, group, step);
      this.deps.toServer(message.raw);
    };
    const wait = space.pending(name, group) ? this.conversation.settledBefore(group) : undefined;
    return wait ? wait.then(decide) : decide();
  }

  /** A refusal in place of an extended-protocol message: a named Parse the server rejects (it touches no unnamed statement). */
  private refuseInBatch(group: Group, sql: string, refusal: Refusal, rule: string): void {
    this.recordBlock(sql, refusal, rule);
    this.conversation.add(group, { kind: 'refusal' });
    const standIn = this.standIn(refusal);
    this.deps.toServer(encodeParse(standIn, standIn, []));
  }

  // ---- session objects ---------------------------------------------------------------------

  /** Whether a message must wait for the answers to everything before it (see the top of the file). */
  private mustWait(sql: string, current: Group | undefined): boolean {
    if (dependsOnSessionSettings(sql)) return true;
    // A cheap look for names an earlier group is still changing; the check after the wait is the real one.
    const analysis = this.deps.guard.analysis(sql);
    if (!analysis) return false;
    for (const statement of analysis) {
      const objects = statement.objects;
      if (!objects) continue;
      const names = [...(objects.executes ?? []), objects.prepares?.name, objects.deallocates].filter((n): n is string => n !== undefined);
      if (names.some((n) => n === '*' || this.catalog.statements.pending(n, current))) return true;
      const cursors = [objects.declares?.name, objects.fetches, objects.closes].filter((n): n is string => n !== undefined);
      if (cursors.some((n) => n === '*' || this.catalog.portals.pending(n, current))) return true;
      if (objects.discardsAll) return true;
    }
    return false;
  }

  /** The catalog changes a statement makes when it runs, at step `step` of `group`. */
  private applyObjects(statement: StatementInfo, group: Group, step: number): void {
    const objects: SessionObjects | undefined = statement.objects;
    if (!objects) return;
    const { statements, portals } = this.catalog;
    if (objects.prepares) {
      const { name, statement: inner } = objects.prepares;
      const info: StatementInfo = { ...statement, ...inner, text: statement.text, objects: undefined };
      statements.set(name, { sql: statement.text, info, verdict: this.deps.guard.storedVerdict(info), lineage: inner.lineage }, group, step);
    }
    if (objects.deallocates === '*') for (const name of statements.names()) statements.set(name, undefined, group, step);
    else if (objects.deallocates !== undefined) statements.set(objects.deallocates, undefined, group, step);
    if (objects.declares) {
      const { name, hold, statement: inner } = objects.declares;
      const info: StatementInfo = { ...statement, ...inner, text: statement.text, objects: undefined };
      const entry: PreparedEntry = { sql: statement.text, info, verdict: { action: 'allow' }, lineage: inner.lineage };
      portals.set(name, { kind: 'cursor', statement: entry, parameters: null, hold, layout: undefined, described: false, approvedRun: false }, group, step);
    }
    if (objects.closes === '*') for (const name of portals.names()) portals.set(name, undefined, group, step);
    else if (objects.closes !== undefined) portals.set(objects.closes, undefined, group, step);
    if (objects.discardsAll) this.catalog.discardAll(group, step);
  }

  // ---- decisions ---------------------------------------------------------------------------

  private apply(sql: string, parameters: Array<string | null> | null, verdict: StatementVerdict, run: () => void, refuse: (refusal: Refusal, rule: string) => void): void | Promise<void> {
    switch (verdict.action) {
      case 'allow':
        if (verdict.flagged) this.deps.record({ at: this.deps.wall(), kind: 'flagged', statement: sql, outcome: 'info', details: { note: verdict.flagged } });
        return run();
      case 'block':
        return refuse(this.blockRefusal(verdict), verdict.rule);
      case 'approve':
        return this.deps.hold({ statement: sql, parameters, classes: verdict.classes, reason: verdict.reason, prepared: verdict.prepared }).then((decision) => {
          if (decision.status === 'refused') {
            this.deps.record({ at: this.deps.wall(), kind: 'blocked', statement: sql, outcome: 'blocked', details: { reason: decision.message, classes: verdict.classes } });
            return refuse({ sqlstate: '53400', message: `jitgate: ${decision.message}`, detail: verdict.reason }, 'approval');
          }
          this.deps.record({ at: this.deps.wall(), kind: 'approval', statement: sql, parameters, outcome: decision.status === 'cancelled' ? 'denied' : decision.status, details: { requestId: decision.requestId, classes: verdict.classes } });
          if (decision.status === 'approved') return run();
          const why = decision.status === 'denied' ? 'was denied' : decision.status === 'timed_out' ? 'was not decided in time' : 'was withdrawn';
          refuse({ sqlstate: '42501', message: `jitgate: the statement needs approval, and approval request ${decision.requestId} ${why}`, detail: verdict.reason }, 'approval');
        });
    }
  }

  private blockRefusal(verdict: Extract<StatementVerdict, { action: 'block' }>): Refusal {
    return { sqlstate: verdict.sqlstate ?? '42501', message: `jitgate: ${verdict.reason}` };
  }

  private recordBlock(sql: string, refusal: Refusal, rule: string): void {
    this.deps.record({ at: this.deps.wall(), kind: 'blocked', statement: sql, outcome: 'blocked', details: { rule, reason: refusal.message } });
  }

  /** A statement the server can only reject, carrying a nonce that names the refusal. */
  private standIn(refusal: Refusal): string {
    const nonce = randomBytes(8).toString('hex');
    this.deps.refuse(nonce, refusal);
    return `jitgate_refused_${nonce}`;
  }
}
