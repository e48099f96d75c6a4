// The server's messages on their way to the client (docs/postgres.md, "What the client sees").
// Each answers the head step of the conversation (pg-conversation.ts): rows are masked by the
// layout of the statement or portal they belong to (pg-row-masker.ts), errors and notices by
// what that statement reads (pg-message-masking.ts), completions are recorded, the session
// catalog learns what the server created (pg-session-catalog.ts), the server's cancel key is
// replaced by the gateway's own, and the stand-ins of refused statements become the refusal the
// client must read. The server's ParameterStatus reports are the ground truth of the settings
// that change how SQL is read: a pinned one that changes ends the session (PinnedSettingChanged).
import {
  BackendType,
  decodeCommandComplete,
  decodeDataRow,
  decodeErrorResponse,
  decodeNotificationResponse,
  decodeParameterStatus,
  decodeReadyForQuery,
  decodeRowDescription,
  encodeBackendKeyData,
  encodeCopyData,
  encodeDataRow,
  encodeErrorResponse,
  encodeNoticeFields,
  encodeNotificationResponse,
  encodeParameterStatus,
  keepsPin,
  type PgMessage,
  type PinnedSettings,
} from '@jitgate/pgwire';
import type { Masker } from '@jitgate/masking';
import type { StatementLineage } from '@jitgate/sql-guard';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import type { PgConversation, PendingRun, Step } from './pg-conversation.js';
import { maskNoticeFields, maskNotification } from './pg-message-masking.js';
import { RowLayout } from './pg-row-masker.js';

/** Passed on untouched: the answers that carry no data. */
const PASSED = new Set<number>([BackendType.ParameterDescription, BackendType.CopyInResponse]);

/** Notices recorded per session at most; a chatty function must not flood the recording. */
const MAX_RECORDED_NOTICES = 200;

/** Settings whose change means the server session is someone else now. */
const IDENTITY_SETTINGS: ReadonlySet<string> = new Set(['session_authorization', 'is_superuser']);

/** A refusal the server will answer in place of the statement. */
export interface Refusal {
  sqlstate: string;
  message: string;
  detail?: string;
}

export interface ServerSideDeps {
  masker: Masker | null;
  /** The settings the server must keep (client_encoding, standard_conforming_strings, …). */
  pins: PinnedSettings;
  record(event: SessionEventInput): void;
  toClient(bytes: Buffer): void;
  /** The user name the client logged in with: shown in place of the server-side role. */
  clientUser: string;
  /** The gateway's cancel key for this session (pg-cancel-keys.ts). */
  backendKey: { processId: number; secretKey: Buffer };
  wall(): Date;
}

/** The server (through the agent) broke the protocol: the session ends. */
export class ServerProtocolError extends Error {}

/** Output the gateway cannot mask (binary COPY): the session ends rather than leak it. */
export class UnmaskableOutput extends Error {}

/** The server reports a pinned setting (or its role) changed: the gateway no longer reads the session as the server does. */
export class PinnedSettingChanged extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly expected: string | undefined,
  ) {
    super(
      expected === undefined
        ? `the server reports that ${setting} changed during the session; the session ends`
        : `the server reports ${setting} = ${JSON.stringify(value)}, but this session holds it at ${JSON.stringify(expected)}: the gateway would no longer read SQL as the server does, so the session ends`,
    );
  }
}

export class ServerMessages {
  private ready = false;
  private copyOut = false;
  private notices = 0;
  /** The values the server reported at login for the settings that say who the session is. */
  private readonly identity = new Map<string, string>();
  /** The nonce of each refusal stand-in, so that only its own error is replaced. */
  private readonly refusals = new Map<string, Refusal>();

  constructor(
    private readonly conversation: PgConversation,
    private readonly deps: ServerSideDeps,
  ) {}

  /** Remembers the refusal behind a stand-in statement (ClientMessages.standIn). */
  refuse(nonce: string, refusal: Refusal): void {
    this.refusals.set(nonce, refusal);
  }

  handle(message: PgMessage): void {
    switch (message.type) {
      case BackendType.DataRow:
        return this.onDataRow(message);
      case BackendType.RowDescription:
      case BackendType.NoData:
        return this.onDescription(message);
      case BackendType.ParseComplete:
      case BackendType.BindComplete:
      case BackendType.CloseComplete:
        this.expect(message.type === BackendType.ParseComplete ? 'parse' : message.type === BackendType.BindComplete ? 'bind' : 'close');
        this.conversation.advance();
        return this.deps.toClient(message.raw);
      case BackendType.CommandComplete:
        this.conversation.complete('ok', decodeCommandComplete(message.body));
        return this.deps.toClient(message.raw);
      case BackendType.EmptyQueryResponse:
        this.conversation.complete('ok', '');
        return this.deps.toClient(message.raw);
      case BackendType.PortalSuspended:
        this.conversation.complete('suspended', '');
        return this.deps.toClient(message.raw);
      case BackendType.ErrorResponse:
        return this.onError(message);
      case BackendType.NoticeResponse:
        return this.onNotice(message);
      case BackendType.NotificationResponse:
        return this.onNotification(message);
      case BackendType.ReadyForQuery:
        return this.onReady(message);
      case BackendType.BackendKeyData:
        // The server's key stays at the agent; the client gets the gateway's (on the first Z).
        return;
      case BackendType.CopyOutResponse:
      case BackendType.CopyBothResponse:
        // Binary COPY rows have no text to scan: with masking on they cannot go out.
        if (this.deps.masker && message.body[0] === 1) throw new UnmaskableOutput('binary COPY output cannot be masked on this connection; use the text format');
        this.copyOut = true;
        return this.deps.toClient(message.raw);
      case BackendType.ParameterStatus:
        return this.onParameterStatus(message);
      case BackendType.CopyData:
        return this.onCopyData(message);
      case BackendType.CopyDone:
        this.copyOut = false;
        return this.deps.toClient(message.raw);
      case BackendType.Authentication:
        throw new ServerProtocolError('the server asked for authentication after login');
      default:
        if (PASSED.has(message.type)) return this.deps.toClient(message.raw);
        throw new ServerProtocolError(`unexpected message type "${String.fromCharCode(message.type)}" from the server`);
    }
  }

  /** A completion must answer the step the gateway expects: anything else means the two views differ. */
  private expect(kind: Step['kind']): void {
    const head = this.conversation.head;
    if (head?.kind !== kind) throw new ServerProtocolError(`the server answered a ${kind} where the gateway expected ${head ? `a ${head.kind}` : 'nothing'}`);
  }

  private onDataRow(message: PgMessage): void {
    const run = this.conversation.current;
    if (run) run.rows += 1;
    const masker = this.deps.masker;
    if (!masker) return this.deps.toClient(message.raw);
    const layout = run ? layoutOf(run) : undefined;
    // Rows the gateway cannot place (no statement, no description): with masking on they do not go out.
    if (!(layout instanceof RowLayout)) throw new UnmaskableOutput('the server sent rows the gateway could not match to a described statement');
    if (layout.passThrough) return this.deps.toClient(message.raw);
    const outcome = layout.mask(decodeDataRow(message.body));
    if (!outcome.values) return this.deps.toClient(message.raw);
    if (run) run.masked += outcome.masked;
    this.deps.toClient(encodeDataRow(outcome.values));
  }

  private onDescription(message: PgMessage): void {
    const head = this.conversation.head;
    const masker = this.deps.masker;
    const fields = message.type === BackendType.RowDescription ? decodeRowDescription(message.body) : undefined;
    if (head?.kind === 'describe') {
      this.conversation.advance();
      // A portal's description is the layout of its rows; a statement's only informs the client.
      if (head.portal && masker) head.portal.layout = fields ? new RowLayout(fields, masker, head.portal.statement.lineage) : null;
      if (!head.swallow) this.deps.toClient(message.raw);
      return;
    }
    if (head?.kind === 'run' && !head.run.portal) {
      // A Query's statement: its rows follow.
      if (masker) head.run.layout = fields ? new RowLayout(fields, masker, head.run.lineage) : null;
      return this.deps.toClient(message.raw);
    }
    throw new ServerProtocolError(`the server sent a row description where the gateway expected ${head ? `a ${head.kind}` : 'nothing'}`);
  }

  private onParameterStatus(message: PgMessage): void {
    const { name, value } = decodeParameterStatus(message.body);
    if (!keepsPin(this.deps.pins, name, value)) {
      this.deps.record({ at: this.deps.wall(), kind: 'blocked', outcome: 'blocked', details: { reason: 'setting.changed', setting: name, value, expected: this.deps.pins[name] } });
      throw new PinnedSettingChanged(name, value, this.deps.pins[name]);
    }
    if (IDENTITY_SETTINGS.has(name)) {
      const known = this.identity.get(name);
      if (known === undefined && !this.ready) this.identity.set(name, value);
      else if (known !== value) {
        this.deps.record({ at: this.deps.wall(), kind: 'blocked', outcome: 'blocked', details: { reason: 'setting.changed', setting: name } });
        throw new PinnedSettingChanged(name, value, undefined);
      }
    }
    // The agent's database role is its business: the client sees the name it logged in with.
    if (name === 'session_authorization') return this.deps.toClient(encodeParameterStatus(name, this.deps.clientUser));
    this.deps.toClient(message.raw);
  }

  private onError(message: PgMessage): void {
    const fields = decodeErrorResponse(message.body);
    const code = fields['C'] ?? '';
    const head = this.conversation.head;
    const nonce = head?.kind === 'refusal' && code === '42601' ? /jitgate_refused_([0-9a-f]{16})/.exec(fields['M'] ?? '')?.[1] : undefined;
    const refusal = nonce === undefined ? undefined : this.refusals.get(nonce);
    if (nonce !== undefined && refusal) {
      this.refusals.delete(nonce);
      this.conversation.fail({ code: refusal.sqlstate, message: refusal.message }, false);
      return this.deps.toClient(encodeErrorResponse({ severity: 'ERROR', code: refusal.sqlstate, message: refusal.message, ...(refusal.detail ? { detail: refusal.detail } : {}) }));
    }
    const masked = this.masked(fields, lineageOf(head));
    this.conversation.fail({ code, message: masked?.fields['M'] ?? fields['M'] ?? '' });
    if (!masked) return this.deps.toClient(message.raw);
    this.countMasked(masked.masked);
    this.deps.toClient(encodeNoticeFields(BackendType.ErrorResponse, masked.fields));
  }

  private onNotice(message: PgMessage): void {
    const fields = decodeErrorResponse(message.body);
    const masked = this.masked(fields, lineageOf(this.conversation.head));
    const shown = masked?.fields ?? fields;
    if (this.notices < MAX_RECORDED_NOTICES) {
      this.notices += 1;
      this.deps.record({ at: this.deps.wall(), kind: 'notice', outcome: 'info', details: { severity: shown['V'] ?? shown['S'] ?? '', sqlstate: shown['C'] ?? '', message: shown['M'] ?? '' } });
    }
    if (!masked) return this.deps.toClient(message.raw);
    this.countMasked(masked.masked);
    this.deps.toClient(encodeNoticeFields(BackendType.NoticeResponse, masked.fields));
  }

  /** Detectors on every text field; the text withheld when the statement reads a masked column. */
  private masked(fields: Record<string, string>, lineage: StatementLineage | null | undefined) {
    const masker = this.deps.masker;
    if (!masker) return undefined;
    const globs = masker.describe().columns.length > 0;
    const readsMasked = lineage === undefined ? false : lineage === null ? globs : globs && (lineage.opaque || lineage.reads.some((name) => masker.columnRule(name) === 'mask'));
    return maskNoticeFields(fields, masker, readsMasked);
  }

  private countMasked(count: number): void {
    const run = this.conversation.current;
    if (run) run.masked += count;
  }

  private onNotification(message: PgMessage): void {
    const masker = this.deps.masker;
    if (!masker) return this.deps.toClient(message.raw);
    const note = decodeNotificationResponse(message.body);
    const masked = maskNotification(note.channel, note.payload, masker);
    if (!masked) return this.deps.toClient(message.raw);
    this.deps.toClient(encodeNotificationResponse(note.processId, masked.channel, masked.payload));
  }

  private onReady(message: PgMessage): void {
    this.copyOut = false;
    if (!this.ready) {
      // The end of login: the client learns the gateway's cancel key, never the server's.
      this.ready = true;
      this.deps.toClient(encodeBackendKeyData(this.deps.backendKey.processId, this.deps.backendKey.secretKey));
      return this.deps.toClient(message.raw);
    }
    this.conversation.finishGroup(decodeReadyForQuery(message.body));
    this.deps.toClient(message.raw);
  }

  private onCopyData(message: PgMessage): void {
    // COPY … TO STDOUT in text form: each message is a line of tab-separated values.
    const found = this.copyOut && this.deps.masker ? this.deps.masker.scanText(message.body.toString('utf8')) : undefined;
    if (!found) return this.deps.toClient(message.raw);
    const run = this.conversation.current;
    if (run) run.masked += found.hits.length;
    this.deps.toClient(encodeCopyData(Buffer.from(found.text, 'utf8')));
  }
}

/** The layout of the rows of a run: a Query statement's own, or its portal's. */
function layoutOf(run: PendingRun): unknown {
  return run.portal ? run.portal.layout : run.layout;
}

/** What the step the server is answering reads: undefined when no statement is concerned. */
function lineageOf(step: Step | undefined): StatementLineage | null | undefined {
  switch (step?.kind) {
    case 'run':
      return step.run.lineage;
    case 'parse':
      return step.entry.lineage;
    case 'bind':
      return step.portal.statement.lineage;
    case 'describe':
      return step.portal ? step.portal.statement.lineage : undefined;
    default:
      return undefined;
  }
}
