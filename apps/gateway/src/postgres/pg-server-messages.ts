// The server's messages on their way to the client (docs/postgres.md, "What the client sees").
// Rows are masked (pg-row-masker.ts), completions recorded (pg-statement-ledger.ts), the
// server's cancel key replaced by the gateway's own, and the stand-ins of refused statements
// turned back into the refusal the client must read. Everything else goes on byte for byte.
import {
  BackendType,
  decodeCommandComplete,
  decodeDataRow,
  decodeErrorResponse,
  decodeParameterStatus,
  decodeRowDescription,
  encodeBackendKeyData,
  encodeCopyData,
  encodeDataRow,
  encodeErrorResponse,
  encodeParameterStatus,
  type PgMessage,
} from '@jitgate/pgwire';
import type { Masker } from '@jitgate/masking';
import type { SessionEventInput } from '../session/session-event-chain.js';
import { STAND_IN_PATTERN, type Refusal } from './pg-client-messages.js';
import { RowLayout } from './pg-row-masker.js';
import type { StatementLedger } from './pg-statement-ledger.js';

/** Passed on untouched: NotificationResponse, ParseComplete, BindComplete, CloseComplete,
 * ParameterDescription, CopyInResponse, FunctionCallResponse. */
const PASSED = new Set<number>([
  BackendType.NotificationResponse,
  BackendType.ParseComplete,
  BackendType.BindComplete,
  BackendType.CloseComplete,
  BackendType.ParameterDescription,
  BackendType.CopyInResponse,
  BackendType.FunctionCallResponse,
]);

/** Notices recorded per session at most; a chatty function must not flood the recording. */
const MAX_RECORDED_NOTICES = 200;

export interface ServerSideDeps {
  masker: Masker | null;
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

export class ServerMessages {
  private layout: RowLayout | undefined;
  private ready = false;
  private copyOut = false;
  private notices = 0;
  private readonly refusals = new Map<string, Refusal>();

  constructor(
    private readonly ledger: StatementLedger,
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
      case BackendType.CommandComplete:
        this.layout = undefined;
        this.ledger.complete('ok', decodeCommandComplete(message.body));
        return this.deps.toClient(message.raw);
      case BackendType.EmptyQueryResponse:
        this.layout = undefined;
        this.ledger.complete('ok', '');
        return this.deps.toClient(message.raw);
      case BackendType.PortalSuspended:
        this.ledger.complete('suspended', '');
        return this.deps.toClient(message.raw);
      case BackendType.ErrorResponse:
        return this.onError(message);
      case BackendType.NoticeResponse:
        return this.onNotice(message);
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

  private onDataRow(message: PgMessage): void {
    const current = this.ledger.current;
    if (current) current.rows += 1;
    const layout = this.layout;
    if (!layout || layout.passThrough) return this.deps.toClient(message.raw);
    const outcome = layout.mask(decodeDataRow(message.body));
    if (!outcome.values) return this.deps.toClient(message.raw);
    if (current) current.masked += outcome.masked;
    this.deps.toClient(encodeDataRow(outcome.values));
  }

  private onDescription(message: PgMessage): void {
    const group = this.ledger.serving;
    // In a Query, each statement's RowDescription introduces its rows. In a batch, it answers
    // the oldest Describe: a portal's sets the layout, a statement's only informs the client.
    const expectation = group?.kind === 'extended' ? group.describes.shift() : { portal: true, swallow: false };
    if (expectation?.portal !== false) {
      this.layout =
        message.type === BackendType.RowDescription && this.deps.masker
          ? new RowLayout(decodeRowDescription(message.body), this.deps.masker)
          : undefined;
    }
    if (!expectation?.swallow) this.deps.toClient(message.raw);
  }

  private onParameterStatus(message: PgMessage): void {
    // The agent's database role is its business: the client sees the name it logged in with.
    const { name } = decodeParameterStatus(message.body);
    if (name === 'session_authorization') return this.deps.toClient(encodeParameterStatus(name, this.deps.clientUser));
    this.deps.toClient(message.raw);
  }

  private onError(message: PgMessage): void {
    const fields = decodeErrorResponse(message.body);
    const code = fields['C'] ?? '';
    const text = fields['M'] ?? '';
    const nonce = code === '42601' ? STAND_IN_PATTERN.exec(text)?.[1] : undefined;
    const refusal = nonce === undefined ? undefined : this.refusals.get(nonce);
    if (nonce !== undefined && refusal) {
      this.refusals.delete(nonce);
      this.ledger.fail({ code: refusal.sqlstate, message: refusal.message }, false);
      return this.deps.toClient(encodeErrorResponse({ severity: 'ERROR', code: refusal.sqlstate, message: refusal.message, ...(refusal.detail ? { detail: refusal.detail } : {}) }));
    }
    this.layout = undefined;
    this.ledger.fail({ code, message: text });
    this.deps.toClient(message.raw);
  }

  private onNotice(message: PgMessage): void {
    if (this.notices < MAX_RECORDED_NOTICES) {
      this.notices += 1;
      const fields = decodeErrorResponse(message.body);
      this.deps.record({ at: this.deps.wall(), kind: 'notice', outcome: 'info', details: { severity: fields['V'] ?? fields['S'] ?? '', sqlstate: fields['C'] ?? '', message: fields['M'] ?? '' } });
    }
    this.deps.toClient(message.raw);
  }

  private onReady(message: PgMessage): void {
    this.layout = undefined;
    this.copyOut = false;
    if (!this.ready) {
      // The end of login: the client learns the gateway's cancel key, never the server's.
      this.ready = true;
      this.deps.toClient(encodeBackendKeyData(this.deps.backendKey.processId, this.deps.backendKey.secretKey));
      return this.deps.toClient(message.raw);
    }
    this.ledger.finishGroup();
    this.deps.toClient(message.raw);
  }

  private onCopyData(message: PgMessage): void {
    // COPY … TO STDOUT in text form: each message is a line of tab-separated values.
    const found = this.copyOut && this.deps.masker ? this.deps.masker.scanText(message.body.toString('utf8')) : undefined;
    if (!found) return this.deps.toClient(message.raw);
    const current = this.ledger.current;
    if (current) current.masked += found.hits.length;
    this.deps.toClient(encodeCopyData(Buffer.from(found.text, 'utf8')));
  }
}
