import { jsonRpcError, MCP_POLICY_DENIED, type JsonRpcError, type JsonRpcErrorResponse } from './json-rpc.js';
import type { McpMessage, McpParsed } from './mcp-message.js';
import type { McpPolicy } from './mcp-policy.js';
import { matchNamedRule, matchResourceRule, type RuleRef } from './mcp-rules.js';

export type McpMessageDecision =
  | { action: 'forward' }
  /**
   * Do not forward. `response` is what to send back; `undefined` for a notification, which
   * JSON-RPC never answers (dropping it is the rejection).
   */
  | { action: 'reject'; error: JsonRpcError; response: JsonRpcErrorResponse | undefined }
  /** A `tools/call` that needs an approval first; the gateway holds it (or rejects with MCP_APPROVAL_REQUIRED). */
  | { action: 'hold'; reason: string; tool: string; rule: RuleRef };

export type McpDecision =
  | McpMessageDecision
  /** One decision per batch element, in order: forward the `forward` ones as a (smaller) batch. */
  | { action: 'batch'; decisions: McpMessageDecision[] };

/**
 * Decides one client-to-server body. Responses (to server-initiated requests) and notifications
 * are forwarded; requests are judged by their class (see README "Decisions"). Every path that is
 * not explicitly allowed ends in a rejection.
 */
export function decideMcpRequest(parsed: McpParsed, policy: McpPolicy): McpDecision {
  switch (parsed.kind) {
    case 'message':
      return decideMcpMessage(parsed.message, policy);
    case 'batch':
      return { action: 'batch', decisions: parsed.messages.map((m) => decideMcpMessage(m, policy)) };
    case 'invalid':
      return { action: 'reject', error: parsed.error, response: parsed.response };
    default:
      return rejectUnknown();
  }
}

export function decideMcpMessage(message: McpMessage, policy: McpPolicy): McpMessageDecision {
  switch (message.type) {
    case 'invalid':
      return { action: 'reject', error: message.error, response: message.response };
    case 'result':
    case 'error':
      return FORWARD;
    case 'notification':
    case 'request':
      break;
    default:
      return rejectUnknown();
  }
  const id = message.type === 'request' ? message.id : undefined;
  const deny = (what: string, rule: RuleRef, data: Record<string, unknown>): McpMessageDecision => {
    const error: JsonRpcError = {
      code: MCP_POLICY_DENIED,
      message: `${what} denied by ${rule === 'default' ? 'the policy default' : `policy rule ${rule}`}`,
      data: { reason: 'policy_denied', rule, ...data },
    };
    return { action: 'reject', error, response: id === undefined ? undefined : { jsonrpc: '2.0', id, error } };
  };

  const call = message.call;
  switch (call.kind) {
    case 'initialize':
    case 'ping':
    case 'tools/list':
    case 'resources/list':
    case 'resources/templates/list':
    case 'prompts/list':
    case 'logging/setLevel':
    case 'notification':
      return FORWARD;
    case 'tools/call': {
      const o = matchNamedRule(policy.tools, 'tools', call.name, call.arguments, policy);
      if (o.action === 'allow') return FORWARD;
      if (o.action === 'approve') {
        return { action: 'hold', reason: `tool "${echo(call.name)}" requires approval (policy rule ${o.rule})`, tool: call.name, rule: o.rule };
      }
      return deny(`tool "${echo(call.name)}"`, o.rule, { tool: echo(call.name) });
    }
    case 'prompts/get': {
      const o = matchNamedRule(policy.prompts, 'prompts', call.name, call.arguments, policy);
      return o.action === 'allow' ? FORWARD : deny(`prompt "${echo(call.name)}"`, o.rule, { prompt: echo(call.name) });
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const o = matchResourceRule(policy, call.uri);
      return o.action === 'allow' ? FORWARD : deny(`resource "${echo(call.uri)}"`, o.rule, { uri: echo(call.uri) });
    }
    case 'completion/complete': {
      // Completions reveal argument values of a prompt or resource template: same rules apply.
      if (call.ref.type === 'prompt') {
        const o = matchNamedRule(policy.prompts, 'prompts', call.ref.name, {}, policy);
        return o.action === 'allow' ? FORWARD : deny(`completion for prompt "${echo(call.ref.name)}"`, o.rule, { prompt: echo(call.ref.name) });
      }
      const o = matchResourceRule(policy, call.ref.uri);
      return o.action === 'allow' ? FORWARD : deny(`completion for resource "${echo(call.ref.uri)}"`, o.rule, { uri: echo(call.ref.uri) });
    }
    case 'other':
      return (policy.otherMethods ?? 'deny') === 'allow' ? FORWARD : deny(`method "${echo(call.method)}"`, 'otherMethods', { method: echo(call.method) });
    default:
      return rejectUnknown();
  }
}

/** Longest caller-sent name or URI repeated in an error message or reason. */
const MAX_ECHO = 200;

function echo(s: string): string {
  return s.length <= MAX_ECHO ? s : `${s.slice(0, MAX_ECHO)}…`;
}

const FORWARD: McpMessageDecision = Object.freeze({ action: 'forward' });

/** Unreachable with well-typed input; a value from outside the types is refused, not forwarded. */
function rejectUnknown(): McpMessageDecision {
  const response = jsonRpcError(null, MCP_POLICY_DENIED, 'message denied: unrecognised shape');
  return { action: 'reject', error: response.error, response };
}
