// One HTTP request on an MCP connection (docs/http.md, "MCP"): a POST carries JSON-RPC, which
// is parsed and decided message by message before anything reaches the server; a denied call
// is answered here as a JSON-RPC error, a held one waits for an approver. Answers (JSON or SSE)
// are filtered and masked on the way back, and every call is recorded with its outcome. GET
// (the server's event stream) and DELETE (session end) pass, with masking. A held call is shown
// to its approver as the server will read it (tool and arguments, unmasked, whole), and an
// approval lets that one message through once: the next request, even the same bytes with the
// same id, is decided and held anew. Bodies another server could read as a different message
// (not UTF-8, a key named twice) are refused before any decision.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JITGATE_ERROR_HEADER } from '@jitgate/contracts';
import { decideMcpAcross } from '@jitgate/http-guard';
import { compileMasker, type Masker } from '@jitgate/masking';
import { jsonRpcError, MCP_POLICY_DENIED, parseMcpMessage, type JsonRpcErrorResponse, type McpMessage, type McpParsed } from '@jitgate/mcp-guard';
import { TooManyHeld } from '../../port/holds.js';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import { forwardToAgent } from './forward-to-agent.js';
import { holdForApproval, type Holds } from './held-request.js';
import type { HttpCallerSession } from './http-caller-sessions.js';
import type { ExchangeSettings } from './http-exchange.js';
import { hasDuplicateKey } from './json-duplicate-keys.js';
import { McpResponseRewriter, type ForwardedCall } from './mcp-responses.js';
import { readBody } from './request-body.js';

interface McpMasking {
  masker: Masker | null;
  paths: string[];
}

/** Per session: the guardrails' masking joined with each MCP policy's own. */
const maskingBySession = new WeakMap<HttpCallerSession, McpMasking>();

function mcpMasking(session: HttpCallerSession): McpMasking {
  let found = maskingBySession.get(session);
  if (!found) {
    const policies = session.guardrails.http.mcp.map((entry) => entry.policy);
    const { masking } = session.guardrails;
    const columns = new Set(masking.columns);
    const detectors = new Set(masking.detectors);
    const paths = new Set(masking.jsonPaths);
    for (const policy of policies) {
      for (const c of policy.masking?.columns ?? []) columns.add(c);
      for (const d of policy.masking?.detectors ?? []) detectors.add(d);
      for (const p of policy.masking?.paths ?? []) paths.add(p);
    }
    const masks = columns.size + detectors.size + paths.size > 0;
    found = { masker: masks ? compileMasker({ columns: [...columns], detectors: [...detectors] }) : null, paths: [...paths] };
    maskingBySession.set(session, found);
  }
  return found;
}

export class McpExchange {
  private readonly started = performance.now();
  private readonly at = new Date();
  private readonly masking: McpMasking;

  constructor(
    private readonly session: HttpCallerSession,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: string,
    private readonly settings: ExchangeSettings,
    private readonly approvals: Holds,
  ) {
    this.masking = mcpMasking(session);
  }

  async run(): Promise<string> {
    if (this.req.method !== 'POST') return this.passThrough();
    const body = await readBody(this.req, this.settings.maxBodyBytes);
    const parsed = readMessage(body);
    if (parsed.kind === 'invalid') {
      this.record({ kind: 'blocked', statement: 'invalid JSON-RPC', outcome: 'blocked', details: { reason: parsed.error.message } });
      this.answer(400, parsed.response ? [parsed.response] : [], false);
      return 'blocked';
    }
    const messages: McpMessage[] = parsed.kind === 'message' ? [parsed.message] : parsed.messages;
    const errors: JsonRpcErrorResponse[] = [];
    const calls = new Map<string | number, ForwardedCall>();
    for (const message of messages) {
      const refusal = await this.decide(message);
      if (refusal === null) {
        if (message.type === 'request') calls.set(message.id, { call: message.call, method: message.method });
      } else if (refusal) {
        errors.push(refusal);
      }
    }
    if (errors.length > 0 || calls.size + messages.filter((m) => m.type !== 'request').length < messages.length) {
      // Part of a batch refused: refuse it whole, so no answer mixes the server's and ours.
      for (const [id] of calls) errors.push(jsonRpcError(id, MCP_POLICY_DENIED, 'refused with the rest of its batch', { reason: 'batch_refused' }));
      this.answer(200, errors, parsed.kind === 'batch');
      return 'blocked';
    }
    return this.forward(body, calls);
  }

  /** null: forward; a response: refuse with it; undefined: drop (a refused notification). */
  private async decide(message: McpMessage): Promise<JsonRpcErrorResponse | null | undefined> {
    const decision = decideMcpAcross({ kind: 'message', message } as McpParsed, this.session.guardrails.http.mcp, { readOnly: this.session.guardrails.http.readOnly });
    if (decision.action === 'batch') throw new Error('one message decided as a batch');
    const statement = describe(message);
    if (decision.action === 'forward') return null;
    if (decision.action === 'reject') {
      this.record({ kind: 'blocked', statement, parameters: this.argumentsOf(message), outcome: 'blocked', details: { method: methodOf(message), reason: decision.error.message, rule: decision.rule } });
      return decision.response;
    }
    const held = new AbortController();
    this.res.once('close', () => held.abort());
    const rule = decision.rule;
    let outcome;
    try {
      outcome = await holdForApproval(
        this.approvals,
        this.session,
        { statement: `${statement} ${argumentsAsSent(message) ?? ''}`.trim(), classes: ['tools/call'], rule },
        this.settings.approvalTimeoutSeconds,
        held.signal,
      );
    } catch (error) {
      if (!(error instanceof TooManyHeld)) throw error;
      this.record({ kind: 'blocked', statement, outcome: 'blocked', details: { reason: error.message } });
      return jsonRpcError(message.type === 'request' ? message.id : null, MCP_POLICY_DENIED, error.message, { reason: 'rate_limited' });
    }
    const status = outcome.status === 'cancelled' ? 'denied' : outcome.status;
    this.record({ kind: 'approval', statement, parameters: this.argumentsOf(message), outcome: status, details: { requestId: outcome.requestId, reason: decision.reason, rule, mcpRule: decision.mcpRule } });
    if (status === 'approved') return null;
    const id = message.type === 'request' ? message.id : null;
    return jsonRpcError(id, MCP_POLICY_DENIED, status === 'timed_out' ? `access request ${outcome.requestId} was not decided in time` : `access request ${outcome.requestId} was denied`, {
      reason: status,
      requestId: outcome.requestId,
    });
  }

  private async forward(body: Buffer, calls: Map<string | number, ForwardedCall>): Promise<string> {
    const pending = new Map(calls);
    const { http } = this.session.guardrails;
    const rewriter = new McpResponseRewriter(calls, http.mcp, http.readOnly, this.masking.masker, this.masking.paths, {
      answered: (id, ok, maskedValues, removed) => {
        const call = pending.get(id);
        pending.delete(id);
        if (call) this.recordCall(call, ok ? 'ok' : 'error', { maskedValues, ...(removed > 0 ? { hidden: removed } : {}) });
      },
    });
    const rewrite = pending.size > 0 || this.masking.masker !== null;
    const forwarded = await forwardToAgent(this.session, this.req, this.res, this.target, body, {
      connection: this.session.connectionName,
      masker: null,
      mask: { jsonPaths: [] },
      maxMaskedBodyBytes: this.settings.maxMaskedBodyBytes,
      sse: rewrite ? (data) => rewriter.rewriteText(data) : null,
      ...(rewrite ? { rewriteBody: (raw: Buffer) => rewriteJsonBody(raw, rewriter) } : {}),
    });
    for (const [, call] of pending) this.recordCall(call, 'error', { unanswered: true, status: forwarded.status, ...(forwarded.failure ? { failure: forwarded.failure } : {}) });
    if (calls.size === 0 && pending.size === 0) {
      this.record({
        kind: 'request',
        statement: `POST ${this.target}`,
        commandTag: String(forwarded.status),
        outcome: forwarded.status >= 400 ? 'error' : 'ok',
        durationMs: performance.now() - this.started,
        details: { bytesIn: forwarded.bytesIn, bytesOut: forwarded.bytesOut },
      });
    }
    return forwarded.failure ? 'failed' : 'forwarded';
  }

  private async passThrough(): Promise<string> {
    const masker = this.masking.masker;
    const forwarded = await forwardToAgent(this.session, this.req, this.res, this.target, undefined, {
      connection: this.session.connectionName,
      masker,
      mask: { jsonPaths: this.masking.paths },
      maxMaskedBodyBytes: this.settings.maxMaskedBodyBytes,
      sse: masker ? (data) => new McpResponseRewriter(new Map(), [], false, masker, this.masking.paths, { answered: () => {} }).rewriteText(data) : null,
    });
    this.record({
      kind: 'request',
      statement: `${this.req.method} ${this.target}`,
      commandTag: String(forwarded.status),
      outcome: forwarded.status >= 400 ? 'error' : 'ok',
      durationMs: performance.now() - this.started,
      details: { bytesOut: forwarded.bytesOut, maskedValues: forwarded.maskedValues },
    });
    return forwarded.failure ? 'failed' : 'forwarded';
  }

  private recordCall(call: ForwardedCall, outcome: 'ok' | 'error', details: Record<string, unknown>): void {
    const statement =
      call.call.kind === 'tools/call' || call.call.kind === 'prompts/get' ? `${call.method} ${call.call.name}` : call.call.kind === 'resources/read' ? `${call.method} ${call.call.uri}` : call.method;
    const args = 'arguments' in call.call ? [this.maskedJson(call.call.arguments)] : null;
    this.record({ kind: 'request', statement, parameters: args, outcome, durationMs: performance.now() - this.started, details: { method: call.method, ...details } });
  }

  private argumentsOf(message: McpMessage): string[] | null {
    if ((message.type === 'request' || message.type === 'notification') && 'arguments' in message.call) return [this.maskedJson(message.call.arguments)];
    return null;
  }

  private maskedJson(value: unknown): string {
    const masker = this.masking.masker;
    return JSON.stringify(masker ? masker.maskJson(value, { paths: this.masking.paths }).value : value);
  }

  /** Answers from the gateway alone: JSON-RPC errors, or 202 when there is nothing to answer. */
  private answer(status: number, responses: JsonRpcErrorResponse[], batch: boolean): void {
    if (responses.length === 0) {
      this.res.writeHead(202, { 'content-length': 0 });
      this.res.end();
      return;
    }
    const body = JSON.stringify(batch ? responses : responses[0]);
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [JITGATE_ERROR_HEADER]: 'blocked' });
    this.res.end(body);
  }

  private record(event: Omit<SessionEventInput, 'at'>): void {
    this.session.record(Object.assign({ at: this.at }, event));
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON-RPC, read only where every server reads it the same: UTF-8 (a server that
 * replaces bad bytes and one that rejects them disagree), no key named twice (first-wins and
 * last-wins parsers would see different tools or arguments).
 */
function readMessage(body: Buffer): McpParsed {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return invalidMessage(-32700, 'parse error: the body is not UTF-8');
  }
  const parsed = parseMcpMessage(text);
  if (parsed.kind !== 'invalid' && hasDuplicateKey(text)) return invalidMessage(-32600, 'invalid request: a key is named twice in one object');
  return parsed;
}

function invalidMessage(code: number, message: string): McpParsed {
  const response = jsonRpcError(null, code, message);
  return { kind: 'invalid', error: response.error, response };
}

/** What a held call's approver reads: its arguments as the server will get them. */
function argumentsAsSent(message: McpMessage): string | null {
  if ((message.type === 'request' || message.type === 'notification') && 'arguments' in message.call) return JSON.stringify(message.call.arguments) ?? null;
  return null;
}

function rewriteJsonBody(raw: Buffer, rewriter: McpResponseRewriter): { body: Buffer; maskedValues: number } {
  if (raw.length === 0) return { body: raw, maskedValues: 0 };
  return { body: Buffer.from(rewriter.rewriteText(raw.toString('utf8'))), maskedValues: 0 };
}

function methodOf(message: McpMessage): string {
  return message.type === 'request' || message.type === 'notification' ? message.method : message.type;
}

function describe(message: McpMessage): string {
  if (message.type !== 'request' && message.type !== 'notification') return message.type;
  const call = message.call;
  if (call.kind === 'tools/call' || call.kind === 'prompts/get') return `${message.method} ${call.name}`;
  if (call.kind === 'resources/read') return `${message.method} ${call.uri}`;
  return message.method;
}
