// The client's messages, one by one, after login (docs/postgres.md, "What the gateway checks").
// Every statement is checked before it reaches the server: a Query's text (all its statements),
// a Parse's, and at each Execute what the portal runs. Allowed messages go on byte for byte; a
// refused one is replaced by a stand-in the server rejects (pg-statement-decisions.ts), so the
// error lands in the right place and a transaction fails as if the server had refused; held
// ones wait for a human. Three rules keep the gateway's reading the server's (docs/security.md):
// - text whose reading depends on session settings (a backslash, a byte past ASCII) is read once
//   the server has answered everything before it (a changed pinned setting has then ended the
//   session); in the middle of a batch that cannot be waited for, so it is refused;
// - a message naming a prepared statement or portal that an earlier, unanswered group is
//   changing waits for that group's answer (pg-session-catalog.ts);
// - one approval is for one execution, with the parameter values the approver saw.
import { isUtf8 } from 'node:buffer';
import { decodeBind, decodeClose, decodeDescribe, decodeExecute, decodeParse, decodeQuery, encodeDescribe, encodeParse, encodeQuery, FrontendType, type PgMessage } from '@jitgate/pgwire';
import type { Masker } from '@jitgate/masking';
import type { Group, PgConversation } from './pg-conversation.js';
import type { Refusal } from './pg-server-messages.js';
import type { PgSessionCatalog, PortalEntry, PreparedEntry } from './pg-session-catalog.js';
import { recordedParameters } from './pg-bind-parameters.js';
import { applyObjects, mustWait } from './pg-catalog-effects.js';
import { refusalOf, StatementDecisions, type DecisionDeps } from './pg-statement-decisions.js';
import { dependsOnSessionSettings, type CatalogView, type StatementGuard, type StatementVerdict } from './pg-statement-guard.js';

export interface ClientSideDeps extends DecisionDeps {
  guard: StatementGuard;
  masker: Masker | null;
  toServer(bytes: Buffer): void;
}

/** The client broke the protocol: the session ends with a FATAL 08P01. */
export class ClientProtocolError extends Error {}

const NOT_UTF8: Refusal = { sqlstate: '22021', message: 'jitgate: the statement is not valid UTF-8; this session reads SQL as UTF-8 (client_encoding UTF8)' };

export class ClientMessages {
  private readonly view: CatalogView;
  private readonly decisions: StatementDecisions;

  constructor(
    private readonly conversation: PgConversation,
    private readonly catalog: PgSessionCatalog,
    private readonly deps: ClientSideDeps,
  ) {
    this.view = { prepared: (name) => catalog.statements.get(name), portal: (name) => catalog.portals.get(name) };
    this.decisions = new StatementDecisions(deps);
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
    return this.when(mustWait(sql, undefined, this.catalog, this.deps.guard), undefined, () => this.decideQuery(message, sql));
  }

  private decideQuery(message: PgMessage, sql: string): void | Promise<void> {
    const verdict = this.deps.guard.check(sql, this.view);
    const run = (): void => {
      const group = this.conversation.query();
      this.expectStatements(group, sql, verdict);
      this.deps.toServer(message.raw);
    };
    return this.decisions.apply(sql, null, verdict, run, (refusal, rule) => this.refuseQuery(sql, refusal, rule));
  }

  private refuseQuery(sql: string, refusal: Refusal, rule: string): void {
    const standIn = this.decisions.standIn(sql, refusal, rule);
    const group = this.conversation.query();
    this.conversation.add(group, { kind: 'refusal' });
    this.deps.toServer(encodeQuery(standIn));
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
      applyObjects(this.catalog, this.deps.guard, statement, group, group.steps.length - 1);
    }
  }

  // ---- extended query ----------------------------------------------------------------------

  private onParse(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    if (!isUtf8(message.body)) return this.refuseInBatch(group, '(not UTF-8)', NOT_UTF8, 'encoding');
    const { name, sql } = decodeParse(message.body);
    if (dependsOnSessionSettings(sql) && group.steps.length > 0) {
      return this.refuseInBatch(
        group,
        sql,
        {
          sqlstate: '0A000',
          message:
            'jitgate: this statement is read differently under different session settings (it holds a backslash or a character past ASCII), and in the middle of a batch the gateway cannot know the settings the server will read it under; send it first in a batch (after a Sync)',
        },
        'settings',
      );
    }
    const waits = mustWait(sql, group, this.catalog, this.deps.guard) || (name !== '' && this.catalog.statements.pending(name, group));
    return this.when(waits, group, () => this.decideParse(message, group, name, sql));
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
        if (verdict.flagged) this.decisions.flagged(sql, verdict.flagged);
        return forward({ action: 'allow' });
      case 'approve':
        // Preparing runs nothing: the approval is asked at each Execute, with its parameter values.
        return forward({ action: 'approve', classes: verdict.classes, reason: verdict.reason });
      case 'block':
        return this.refuseInBatch(group, sql, refusalOf(verdict), verdict.rule);
    }
  }

  private onBind(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const bind = decodeBind(message.body);
    const pending = this.catalog.statements.pending(bind.statement, group) || this.catalog.portals.pending(bind.portal, group);
    return this.when(pending, group, () => this.decideBind(message, group, bind));
  }

  private decideBind(message: PgMessage, group: Group, bind: ReturnType<typeof decodeBind>): void {
    const statement = this.catalog.statements.get(bind.statement);
    if (!statement) {
      return this.refuseInBatch(
        group,
        `(bind of "${bind.statement}")`,
        { sqlstate: '26000', message: `jitgate: prepared statement "${bind.statement}" is not one the gateway saw prepared` },
        'unknown_prepared',
      );
    }
    const parameters = recordedParameters(bind, this.deps.masker);
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
    return this.when(space.pending(name, group), group, decide);
  }

  private onExecute(message: PgMessage): void | Promise<void> {
    const group = this.conversation.batch();
    const { portal: name } = decodeExecute(message.body);
    return this.when(this.catalog.portals.pending(name, group), group, () => this.decideExecute(message, group, name));
  }

  private decideExecute(message: PgMessage, group: Group, name: string): void | Promise<void> {
    const portal = this.catalog.portals.get(name);
    if (!portal) {
      // Only the server makes portals the gateway did not see (a function's refcursor): their
      // rows cannot be masked by what the gateway knows.
      if (this.deps.masker) {
        return this.refuseInBatch(
          group,
          `(portal "${name}")`,
          { sqlstate: '34000', message: `jitgate: portal "${name}" is not one the gateway saw bound or declared, so its rows cannot be masked` },
          'unknown_portal',
        );
      }
      this.conversation.run(group, { statement: `(portal "${name}")`, parameters: null, lineage: null, portal: undefined });
      return this.deps.toServer(message.raw);
    }
    const statement = portal.statement;
    // A statement that names other objects (EXECUTE, FETCH) is judged again now: they may have changed.
    let needs = statement.verdict;
    if (statement.info?.objects?.executes || statement.info?.objects?.fetches !== undefined) {
      const now = this.deps.guard.check(statement.sql, this.view);
      if (now.action === 'block') return this.refuseInBatch(group, statement.sql, refusalOf(now), now.rule);
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
      if (statement.info) applyObjects(this.catalog, this.deps.guard, statement.info, group, group.steps.length - 1);
      this.deps.toServer(message.raw);
    };
    // An approved execution continues (after PortalSuspended) without a new approval; a new one waits.
    if (needs.action !== 'approve' || portal.approvedRun) return run();
    const verdict: StatementVerdict = { action: 'approve', classes: needs.classes, reason: needs.reason, statements: [], prepared: [] };
    return this.decisions.apply(statement.sql, portal.parameters, verdict, run, (refusal, rule) => this.refuseInBatch(group, statement.sql, refusal, rule));
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
    return this.when(space.pending(name, group), group, decide);
  }

  /** `decide` now, or (`waits`) once the server has answered every group before `group`. */
  private when(waits: boolean, group: Group | undefined, decide: () => void | Promise<void>): void | Promise<void> {
    const settled = waits ? this.conversation.settledBefore(group) : undefined;
    return settled ? settled.then(decide) : decide();
  }

  /** A refusal in place of an extended-protocol message: a named Parse the server rejects (it touches no unnamed statement). */
  private refuseInBatch(group: Group, sql: string, refusal: Refusal, rule: string): void {
    const standIn = this.decisions.standIn(sql, refusal, rule);
    this.conversation.add(group, { kind: 'refusal' });
    this.deps.toServer(encodeParse(standIn, standIn, []));
  }
}
