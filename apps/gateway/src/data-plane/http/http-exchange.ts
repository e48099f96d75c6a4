// One request on a caller's session, for http, bigquery, gcs and cloudrun connections
// (docs/http.md): decide (data-API confinement, guardrails, BigQuery SQL), hold for a human
// where policy says, forward, mask, record. MCP connections go through mcp-exchange.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decideHttpRequest, maskBigQueryRows, needsBody, type HttpRequestFacts, type RequestSummary } from '@jitgate/http-guard';
import { TooManyHeld } from '../../port/holds.js';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import { forwardToAgent } from './forward-to-agent.js';
import { holdForApproval, type Holds } from './held-request.js';
import type { HttpCallerSession } from './http-caller-sessions.js';
import { HttpRefusal } from './http-refusal.js';
import { parseJsonBody, readBody } from './request-body.js';
import type { RelayOptions } from './upstream-response.js';

export interface ExchangeSettings {
  maxBodyBytes: number;
  maxMaskedBodyBytes: number;
  approvalTimeoutSeconds: number;
}

/**
 * Longest request body shown to an approver, whole. A held request whose body is longer, or is not
 * UTF-8 text, is refused instead: an approver approves what they read, and the gateway sends
 * exactly those bytes after the approval.
 */
export const MAX_SHOWN_BODY_BYTES = 64 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** BigQuery answers whose rows are masked by the schema's column names. */
const BIGQUERY_ROW_OPERATIONS = new Set(['bigquery.jobs.query', 'bigquery.jobs.getQueryResults', 'bigquery.tabledata.list']);

export class HttpExchange {
  private readonly started = performance.now();
  private readonly at = new Date();

  constructor(
    private readonly session: HttpCallerSession,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: string,
    private readonly settings: ExchangeSettings,
    private readonly approvals: Holds,
  ) {}

  async run(): Promise<string> {
    const { connection } = this.session.admitted;
    const facts: HttpRequestFacts = {
      connectionType: connection.type as HttpRequestFacts['connectionType'],
      settings: (connection.settings ?? {}) as Record<string, unknown>,
      method: this.req.method ?? 'GET',
      target: this.target,
    };
    let body: Buffer | undefined;
    let parsed: unknown;
    if (needsBody(facts)) {
      body = await readBody(this.req, this.settings.maxBodyBytes);
      parsed = parseJsonBody(body);
    }
    const decision = decideHttpRequest(facts, this.session.guardrails.http, parsed);
    const statement = this.masked(this.describe(facts.method, decision.summary));
    if (decision.action === 'block') {
      this.record({ kind: 'blocked', statement, outcome: 'blocked', details: this.summaryDetails(decision.summary, { reason: decision.reason, rule: decision.rule ?? null }) });
      throw new HttpRefusal(403, 'blocked', decision.reason);
    }
    if (decision.action === 'hold') {
      if (body === undefined && carriesBody(this.req)) body = await readBody(this.req, this.settings.maxBodyBytes);
      const shown = approverText(this.describe(facts.method, decision.summary), body);
      if (shown === null) {
        const reason = `${facts.method} ${decision.summary.path} needs approval, and its body cannot be shown whole to an approver (UTF-8 text of at most ${MAX_SHOWN_BODY_BYTES} bytes).`;
        this.record({ kind: 'blocked', statement, outcome: 'blocked', details: this.summaryDetails(decision.summary, { reason }) });
        throw new HttpRefusal(403, 'blocked', reason);
      }
      const held = new AbortController();
      this.res.once('close', () => held.abort());
      // The approver reads the request as it will run: line, SQL, body, unmasked and whole.
      const outcome = await holdForApproval(
        this.approvals,
        this.session,
        { statement: shown, classes: decision.summary.classes ?? [decision.summary.operation], rule: decision.rule },
        this.settings.approvalTimeoutSeconds,
        held.signal,
      ).catch((error: unknown) => {
        if (!(error instanceof TooManyHeld)) throw error;
        this.record({ kind: 'blocked', statement, outcome: 'blocked', details: { reason: error.message } });
        throw new HttpRefusal(429, 'rate_limited', error.message);
      });
      const status = outcome.status === 'cancelled' ? 'denied' : outcome.status;
      this.record({ kind: 'approval', statement, outcome: status, details: this.summaryDetails(decision.summary, { requestId: outcome.requestId, reason: decision.reason }) });
      if (status === 'timed_out') throw new HttpRefusal(403, 'approval_timed_out', `access request ${outcome.requestId} was not decided in time`);
      if (status !== 'approved') throw new HttpRefusal(403, 'denied', `access request ${outcome.requestId} was denied`);
    }
    const forwarded = await forwardToAgent(this.session, this.req, this.res, this.target, body, this.relayOptions(decision.summary));
    this.record({
      kind: 'request',
      statement,
      commandTag: String(forwarded.status),
      outcome: forwarded.failure || forwarded.status >= 400 ? 'error' : 'ok',
      durationMs: performance.now() - this.started,
      details: this.summaryDetails(decision.summary, {
        status: forwarded.status,
        bytesIn: forwarded.bytesIn,
        bytesOut: forwarded.bytesOut,
        maskedValues: forwarded.maskedValues,
        ...(forwarded.failure ? { failure: forwarded.failure } : {}),
      }),
    });
    return forwarded.failure ? 'failed' : 'forwarded';
  }

  private relayOptions(summary: RequestSummary): RelayOptions {
    const { masker, guardrails } = this.session;
    const rows = masker && BIGQUERY_ROW_OPERATIONS.has(summary.operation);
    return {
      connection: this.session.connectionName,
      masker,
      maxMaskedBodyBytes: this.settings.maxMaskedBodyBytes,
      sse: null,
      mask: {
        jsonPaths: guardrails.masking.jsonPaths,
        ...(rows
          ? {
              rewriteJson: (value: unknown) => {
                const out = maskBigQueryRows(value, masker);
                return { value: out.body, maskedValues: out.maskedValues };
              },
            }
          : {}),
      },
    };
  }

  /** The request in one text: method and path, then the SQL. */
  private describe(method: string, summary: RequestSummary): string {
    const line = `${method} ${this.target}`;
    return summary.sql ? `${line}\n${summary.sql}` : line;
  }

  /** What the session records of a text: scanned by the detectors. */
  private masked(text: string): string {
    return this.session.masker?.scanText(text)?.text ?? text;
  }

  /**
   * The summary without its SQL and path (both in the statement line), then `extra`. Copied key
   * by key: spreads that gain properties are slow on Node 20 (session-event-writer.ts).
   */
  private summaryDetails(summary: RequestSummary, extra: Record<string, unknown>): Record<string, unknown> {
    const details: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(summary)) if (key !== 'sql' && key !== 'path') details[key] = value;
    return Object.assign(details, extra);
  }

  private record(event: Omit<SessionEventInput, 'at'>): void {
    this.session.record(Object.assign({ at: this.at }, event));
  }
}

/** The request has a body to read (Node's server delivers an empty stream otherwise). */
function carriesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What an approver reads: the request (line, SQL) and its body as text, or null when it cannot be shown whole. */
function approverText(request: string, body: Buffer | undefined): string | null {
  if (body === undefined || body.length === 0) return request;
  if (body.length > MAX_SHOWN_BODY_BYTES) return null;
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return null;
  }
  return text.includes('\u0000') ? null : `${request}\n${text}`;
}
