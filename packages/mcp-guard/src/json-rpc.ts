/**
 * JSON-RPC 2.0 shapes and the error codes this package answers with.
 * https://www.jsonrpc.org/specification §5.1; MCP base protocol (messages).
 */

export type JsonRpcId = string | number | null;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: JsonRpcError;
}

/** Standard JSON-RPC codes. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/**
 * Implementation-defined server errors (-32000..-32099). The MCP TypeScript SDK already uses
 * -32000 (connection closed) and -32001 (request timeout), the MCP spec uses -32002 (resource
 * not found) and -32042 (URL elicitation required), so jitgate's codes start at -32010.
 */
/** The request was refused by the MCP policy (a `deny` rule or the default). */
export const MCP_POLICY_DENIED = -32010;
/** The request needs an approval the gateway could not obtain (refused, expired, or not holdable). */
export const MCP_APPROVAL_REQUIRED = -32011;

/** Builds a JSON-RPC error response; `data` is omitted when undefined. */
export function jsonRpcError(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcErrorResponse {
  const error: JsonRpcError = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}
