/**
 * MCP under several guardrails at once: every applying guardrail's McpPolicy is asked through
 * @jitgate/mcp-guard (never re-implemented here) and the strictest answer wins, per message:
 * reject > hold > forward. A read-only session refuses every `tools/call` (tools may act);
 * `resources/read`, `prompts/get` and the lists stay open.
 */
import {
  APPROVAL_META_KEY,
  decideMcpMessage,
  filterPromptsList,
  filterResourcesList,
  filterToolsList,
  MCP_POLICY_DENIED,
  type JsonRpcError,
  type JsonRpcErrorResponse,
  type McpMessage,
  type McpParsed,
  type McpPolicy,
} from '@jitgate/mcp-guard';
import { echo } from './echo.js';
import type { RuleRef } from './types.js';

export interface McpPolicyRef {
  policy: McpPolicy;
  rule: RuleRef;
}

export type McpAcrossMessageDecision =
  | { action: 'forward' }
  /** `rule`: the guardrail whose policy refused; `null` for a malformed message or a read-only session. */
  | { action: 'reject'; error: JsonRpcError; response: JsonRpcErrorResponse | undefined; rule: RuleRef | null }
  /** `mcpRule`: the rule inside that guardrail's MCP policy (`tools[2]`). */
  | { action: 'hold'; reason: string; tool: string; rule: RuleRef; mcpRule: string };

export type McpAcrossDecision = McpAcrossMessageDecision | { action: 'batch'; decisions: McpAcrossMessageDecision[] };

export function decideMcpAcross(parsed: McpParsed, policies: readonly McpPolicyRef[], opts: { readOnly: boolean }): McpAcrossDecision {
  switch (parsed.kind) {
    case 'message':
      return decideOne(parsed.message, policies, opts);
    case 'batch':
      return { action: 'batch', decisions: parsed.messages.map((m) => decideOne(m, policies, opts)) };
    case 'invalid':
      return { action: 'reject', error: parsed.error, response: parsed.response, rule: null };
    default:
      return refuseUnknown();
  }
}

const FORWARD: McpAcrossMessageDecision = Object.freeze({ action: 'forward' });
const RANK = { forward: 0, hold: 1, reject: 2 } as const;

function decideOne(message: McpMessage, policies: readonly McpPolicyRef[], opts: { readOnly: boolean }): McpAcrossMessageDecision {
  // Malformed messages are refused whatever the policies: nothing unattributable is forwarded.
  if (message.type === 'invalid') return { action: 'reject', error: message.error, response: message.response, rule: null };
  if (opts.readOnly && (message.type === 'request' || message.type === 'notification') && message.call.kind === 'tools/call') {
    const tool = echo(message.call.name);
    const error: JsonRpcError = { code: MCP_POLICY_DENIED, message: `tool "${tool}" refused: the session is read-only`, data: { reason: 'read_only', tool } };
    const response = message.type === 'request' ? { jsonrpc: '2.0' as const, id: message.id, error } : undefined;
    return { action: 'reject', error, response, rule: null };
  }
  let best: McpAcrossMessageDecision = FORWARD;
  for (const { policy, rule } of policies) {
    const d = decideMcpMessage(message, policy);
    if (RANK[d.action] <= RANK[best.action]) continue;
    if (d.action === 'reject') {
      // Name the guardrail too, so the caller and the record can tell which policy refused.
      const error: JsonRpcError = { ...d.error, data: { ...(isRecord(d.error.data) ? d.error.data : {}), guardrail: `${rule.policy}/${rule.rule}` } };
      const response = d.response === undefined ? undefined : { ...d.response, error };
      best = { action: 'reject', error, response, rule };
      break;
    }
    if (d.action === 'hold') best = { action: 'hold', reason: d.reason, tool: d.tool, rule, mcpRule: d.rule };
  }
  return best;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function refuseUnknown(): McpAcrossMessageDecision {
  const error: JsonRpcError = { code: MCP_POLICY_DENIED, message: 'message denied: unrecognised shape' };
  return { action: 'reject', error, response: { jsonrpc: '2.0', id: null, error }, rule: null };
}

export interface FilteredAcross {
  result: unknown;
  /** Names (or URIs) removed by any policy, once each. */
  removed: string[];
}

const APPROVAL_RANK: Record<string, number> = { conditional: 1, required: 2 };

/**
 * Filters a `tools/list`, `prompts/list` or `resources/list` result by every policy: an item
 * stays only if every policy lists it. A tool that any policy marks as needing approval keeps
 * the strongest mark (`required` over `conditional`). A read-only session lists no tools.
 * Other methods' results are returned unchanged.
 */
export function filterListsAcross(method: string, result: unknown, policies: readonly McpPolicyRef[], opts: { readOnly?: boolean } = {}): FilteredAcross {
  if (method === 'prompts/list' || method === 'resources/list') {
    const filter = method === 'prompts/list' ? filterPromptsList : filterResourcesList;
    let current: unknown = result;
    const removed = new Set<string>();
    for (const { policy } of policies) {
      const r = filter(current, policy);
      current = r.result;
      for (const name of r.removed) removed.add(name);
    }
    return { result: current, removed: [...removed] };
  }
  if (method !== 'tools/list') return { result, removed: [] };
  const base: Record<string, unknown> = isRecord(result) ? { ...result } : {};
  const tools = Array.isArray(base['tools']) ? (base['tools'] as unknown[]) : [];
  const kept: unknown[] = [];
  const removed = new Set<string>();
  for (const tool of tools) {
    const name = isRecord(tool) && typeof tool['name'] === 'string' ? tool['name'] : '<malformed>';
    if (opts.readOnly === true || name === '<malformed>') {
      removed.add(name);
      continue;
    }
    // Each policy judges the original item alone, so one policy's mark cannot weaken another's.
    let out: Record<string, unknown> | undefined = tool as Record<string, unknown>;
    let mark = 0;
    let markName: string | undefined;
    for (const { policy } of policies) {
      const r = filterToolsList<{ tools: Record<string, unknown>[] }>({ tools: [tool as Record<string, unknown>] }, policy);
      const one = r.result.tools[0];
      if (one === undefined) {
        out = undefined;
        break;
      }
      const meta = isRecord(one['_meta']) ? one['_meta'] : undefined;
      const m = meta?.[APPROVAL_META_KEY];
      if (typeof m === 'string' && (APPROVAL_RANK[m] ?? 0) > mark) {
        mark = APPROVAL_RANK[m]!;
        markName = m;
        out = one;
      }
    }
    if (out === undefined) removed.add(name);
    else kept.push(markName === undefined ? tool : out);
  }
  base['tools'] = kept;
  return { result: base, removed: [...removed] };
}
