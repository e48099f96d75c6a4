// The server's side of an MCP exchange, message by message (JSON bodies and SSE events alike):
// list results filtered by every policy in force, tool and resource results masked, other
// server messages (notifications, sampling requests) masked like any JSON. What is not JSON is
// refused. Each answer settles the recording of the call it answers.
import type { Masker } from '@jitgate/masking';
import { filterListsAcross, type McpPolicyRef } from '@jitgate/http-guard';
import { maskResourceResult, maskToolResult, type McpCall } from '@jitgate/mcp-guard';
import { UnmaskableBody } from './response-body-masking.js';

export interface ForwardedCall {
  call: McpCall;
  method: string;
}

export interface McpAnswerSink {
  /** The answer to a forwarded request arrived (ok unless it is a JSON-RPC error or an isError tool result). */
  answered(id: string | number, ok: boolean, maskedValues: number, removed: number): void;
}

export class McpResponseRewriter {
  constructor(
    private readonly calls: Map<string | number, ForwardedCall>,
    private readonly policies: readonly McpPolicyRef[],
    private readonly readOnly: boolean,
    private readonly masker: Masker | null,
    private readonly jsonPaths: string[],
    private readonly sink: McpAnswerSink,
  ) {}

  /**
   * A JSON-RPC body (one message or a batch) rewritten, in the form JSON.parse read it (so a key
   * named twice cannot carry a value past the masker). Anything else but empty text cannot be
   * filtered or masked as a message: refused (UnmaskableBody), as a body or as an event.
   */
  rewriteText(text: string): string {
    if (text.trim() === '') return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UnmaskableBody('the MCP server answered with something that is not JSON-RPC, which the gateway cannot filter and mask');
    }
    const out = Array.isArray(parsed) ? parsed.map((m) => this.rewriteMessage(m)) : this.rewriteMessage(parsed);
    return JSON.stringify(out);
  }

  private rewriteMessage(message: unknown): unknown {
    if (!isRecord(message)) return this.maskAny(message).value;
    const id = message['id'];
    const forwarded = (typeof id === 'string' || typeof id === 'number') && !('method' in message) ? this.calls.get(id) : undefined;
    if (!forwarded) return this.maskAny(message).value;
    this.calls.delete(id as string | number);
    if (!('result' in message)) {
      this.sink.answered(id as string | number, false, 0, 0);
      return this.maskAny(message).value;
    }
    const { result, maskedValues, removed } = this.rewriteResult(forwarded.call, message['result']);
    const isError = isRecord(result) && result['isError'] === true;
    this.sink.answered(id as string | number, !isError, maskedValues, removed);
    return { ...message, result };
  }

  private rewriteResult(call: McpCall, result: unknown): { result: unknown; maskedValues: number; removed: number } {
    const removed = 0;
    const current = result;
    if (call.kind === 'tools/list' || call.kind === 'prompts/list' || call.kind === 'resources/list') {
      const filtered = filterListsAcross(call.kind, current, this.policies, { readOnly: this.readOnly });
      return { result: filtered.result, maskedValues: 0, removed: filtered.removed.length };
    }
    if (!this.masker) return { result: current, maskedValues: 0, removed };
    if (call.kind === 'tools/call' || call.kind === 'resources/read') {
      const mask = call.kind === 'tools/call' ? maskToolResult : maskResourceResult;
      const masked = mask(current, this.masker, { paths: this.jsonPaths });
      return { result: masked.result, maskedValues: masked.hits.length + masked.maskedPaths, removed };
    }
    const masked = this.maskAny(current);
    return { result: masked.value, maskedValues: masked.count, removed };
  }

  private maskAny(value: unknown): { value: unknown; count: number } {
    if (!this.masker) return { value, count: 0 };
    const masked = this.masker.maskJson(value, { paths: this.jsonPaths });
    return { value: masked.value, count: masked.hits.length + masked.maskedPaths };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
