// The client's messages, one by one, after login (docs/postgres.md, "What the gateway checks").
// Every statement is checked before it reaches the server: a Query's whole text (all of its
// statements), a Parse's text. Allowed messages go on byte for byte. A blocked statement is
// replaced by a stand-in the server rejects as a syntax error, so that the error arrives in the
// right place among the server's answers and the transaction fails exactly as if the server
// itself had refused; ServerMessages turns that error into the gateway's own. Held statements
// wait for a human before either path.
import { randomBytes } from 'node:crypto';
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
import type { SessionEventInput } from '../session/session-event-chain.js';
import type { StatementGuard, StatementVerdict } from './pg-statement-guard.js';
import type { StatementGroup, StatementLedger } from './pg-statement-ledger.js';


/** A refusal the server will answer in place of the statement (see ServerMessages). */
export interface Refusal {
  sqlstate: string;
  message: string;
  detail?: string;
}

/** `refused`: no request was created (the identity has too many waiting); the message says so. */
export type HeldDecision = { requestId: string; status: 'approved' | 'denied' | 'timed_out' | 'cancelled' } | { requestId: null; status: 'refused'; message: string };

export interface ClientSideDeps {
  guard: StatementGuard;
  /** Masking of result rows is on: portals are described before they run, to know their columns. */
  masksRows: boolean;
  masker: Masker | null;
  record(event: SessionEventInput): void;
  /** Holds a statement for approval: resolves with the human's decision (or the time-out). */
  hold(statement: string, classes: string[], reason: string): Promise<HeldDecision>;
  toServer(bytes: Buffer): void;
  /** Marks a stand-in's nonce with the refusal the client must see instead of its error. */
  refuse(nonce: string, refusal: Refusal): void;
  wall(): Date;
}

/** The client broke the protocol: the session ends with a FATAL 08P01. */
export class ClientProtocolError extends Error {}

interface Portal {
  statement: string;
  blocked: boolean;
  parameters: Array<string | null>;
  described: boolean;
}

const UNKNOWN_STATEMENT = (name: string) => `(statement prepared earlier as "${name}")`;

export class ClientMessages {
  private readonly statements = new Map<string, { sql: string; blocked: boolean }>();
  private readonly portals = new Map<string, Portal>();

  constructor(
    private readonly ledger: StatementLedger,
    private readonly deps: ClientSideDeps,
  ) {}

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
      case FrontendType.Close: {
        const { kind, name } = decodeClose(message.body);
        if (kind === 'S') this.statements.delete(name);
        else this.portals.delete(name);
        this.ledger.batch();
        return this.deps.toServer(message.raw);
      }
      case FrontendType.Sync:
        this.ledger.sync();
        return this.deps.toServer(message.raw);
      case FrontendType.Flush:
        this.ledger.batch();
        return this.deps.toServer(message.raw);
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
    const { sql } = decodeQuery(message.body);
    const verdict = this.deps.guard.check(sql);
    const run = (): void => {
      const group = this.ledger.query();
      this.expectStatements(group, sql, verdict);
      this.deps.toServer(message.raw);
    };
    return this.apply(sql, verdict, run, (refusal, rule) => this.refuseQuery(sql, refusal, rule));
  }

  private refuseQuery(sql: string, refusal: Refusal, rule: string): void {
    this.recordBlock(sql, refusal, rule);
    const group = this.ledger.query();
    this.ledger.expect(group, sql, null, true);
    this.deps.toServer(encodeQuery(this.standIn(refusal)));
  }

  private expectStatements(group: StatementGroup, sql: string, verdict: StatementVerdict): void {
    if (verdict.action !== 'allow' || verdict.statements.length === 0) {
      // Unparseable but let through (flagged), or empty: the server answers once.
      this.ledger.expect(group, sql, null);
      return;
    }
    for (const statement of verdict.statements) this.ledger.expect(group, statement.text, null);
  }

  // ---- extended query ----------------------------------------------------------------------

  private onParse(message: PgMessage): void | Promise<void> {
    const { name, sql } = decodeParse(message.body);
    const verdict = this.deps.guard.check(sql);
    const run = (): void => {
      this.statements.set(name, { sql, blocked: false });
      this.ledger.batch();
      this.deps.toServer(message.raw);
    };
    const refuse = (refusal: Refusal, rule: string): void => {
      this.recordBlock(sql, refusal, rule);
      this.statements.set(name, { sql, blocked: true });
      this.ledger.batch();
      this.deps.toServer(encodeParse(name, this.standIn(refusal), []));
    };
    return this.apply(sql, verdict, run, refuse);
  }

  private onBind(message: PgMessage): void {
    const bind = decodeBind(message.body);
    const statement = this.statements.get(bind.statement);
    const parameters = bind.params.map((value, i) => {
      if (value === null) return null;
      const format = bind.paramFormats.length === 0 ? 0 : bind.paramFormats.length === 1 ? bind.paramFormats[0] : bind.paramFormats[i];
      if (format !== 0) return `<binary, ${value.length} bytes>`;
      const text = value.toString('utf8');
      return this.deps.masker?.scanText(text)?.text ?? text;
    });
    this.portals.set(bind.portal, {
      // A statement the client prepared with SQL PREPARE was checked when that ran.
      statement: statement?.sql ?? UNKNOWN_STATEMENT(bind.statement),
      blocked: statement?.blocked ?? false,
      parameters,
      described: false,
    });
    this.ledger.batch();
    this.deps.toServer(message.raw);
  }

  private onDescribe(message: PgMessage): void {
    const { kind, name } = decodeDescribe(message.body);
    const group = this.ledger.batch();
    if (kind === 'P') {
      const portal = this.portals.get(name);
      if (portal) portal.described = true;
    }
    group.describes.push({ portal: kind === 'P', swallow: false });
    this.deps.toServer(message.raw);
  }

  private onExecute(message: PgMessage): void {
    const { portal: name } = decodeExecute(message.body);
    const portal = this.portals.get(name);
    const group = this.ledger.batch();
    if (this.deps.masksRows && portal && !portal.described && !portal.blocked) {
      // The client did not ask for the portal's columns; the gateway must know them to mask.
      portal.described = true;
      group.describes.push({ portal: true, swallow: true });
      this.deps.toServer(encodeDescribe('P', name));
    }
    this.ledger.expect(group, portal?.statement ?? `(portal "${name}")`, portal?.parameters ?? null, portal?.blocked ?? false);
    this.deps.toServer(message.raw);
  }

  // ---- decisions ---------------------------------------------------------------------------

  private apply(sql: string, verdict: StatementVerdict, run: () => void, refuse: (refusal: Refusal, rule: string) => void): void | Promise<void> {
    switch (verdict.action) {
      case 'allow':
        if (verdict.flagged) this.deps.record({ at: this.deps.wall(), kind: 'flagged', statement: sql, outcome: 'info', details: { note: verdict.flagged } });
        return run();
      case 'block':
        return refuse({ sqlstate: '42501', message: `jitgate: ${verdict.reason}` }, verdict.rule);
      case 'approve':
        return this.deps.hold(sql, verdict.classes, verdict.reason).then((decision) => {
          if (decision.status === 'refused') {
            this.deps.record({ at: this.deps.wall(), kind: 'blocked', statement: sql, outcome: 'blocked', details: { reason: decision.message, classes: verdict.classes } });
            return refuse({ sqlstate: '53400', message: `jitgate: ${decision.message}`, detail: verdict.reason }, 'approval');
          }
          this.deps.record({ at: this.deps.wall(), kind: 'approval', statement: sql, outcome: decision.status === 'cancelled' ? 'denied' : decision.status, details: { requestId: decision.requestId, classes: verdict.classes } });
          if (decision.status === 'approved') return run();
          const why = decision.status === 'denied' ? 'was denied' : decision.status === 'timed_out' ? 'was not decided in time' : 'was withdrawn';
          refuse({ sqlstate: '42501', message: `jitgate: the statement needs approval, and approval request ${decision.requestId} ${why}`, detail: verdict.reason }, 'approval');
        });
    }
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

export const STAND_IN_PATTERN = /jitgate_refused_([0-9a-f]{16})/;
