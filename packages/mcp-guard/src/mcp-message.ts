import { INVALID_PARAMS, INVALID_REQUEST, jsonRpcError, PARSE_ERROR, type JsonRpcError, type JsonRpcErrorResponse, type JsonRpcId } from './json-rpc.js';

/**
 * What an MCP method is, for policy purposes. Methods that name a tool, prompt or resource carry
 * it; every method not listed here (including server-to-client requests such as
 * `sampling/createMessage`) is `other`.
 */
export type McpCall =
  | { kind: 'initialize' }
  | { kind: 'ping' }
  | { kind: 'tools/list' }
  | { kind: 'tools/call'; name: string; arguments: Record<string, unknown> }
  | { kind: 'resources/list' }
  | { kind: 'resources/templates/list' }
  | { kind: 'resources/read' | 'resources/subscribe' | 'resources/unsubscribe'; uri: string }
  | { kind: 'prompts/list' }
  | { kind: 'prompts/get'; name: string; arguments: Record<string, unknown> }
  | { kind: 'completion/complete'; ref: { type: 'prompt'; name: string } | { type: 'resource'; uri: string } }
  | { kind: 'logging/setLevel' }
  | { kind: 'notification'; method: string }
  | { kind: 'other'; method: string };

export type McpParams = Record<string, unknown> | unknown[] | undefined;

export type McpMessage =
  | { type: 'request'; id: string | number; method: string; params: McpParams; call: McpCall }
  | { type: 'notification'; method: string; params: McpParams; call: McpCall }
  | { type: 'result'; id: string | number; result: unknown }
  | { type: 'error'; id: JsonRpcId; error: JsonRpcError }
  /**
   * One invalid element of a batch; `response` is what to answer for it (JSON-RPC §6), or
   * `undefined` for a well-formed notification with unusable params: notifications are never
   * answered, so it is dropped.
   */
  | { type: 'invalid'; error: JsonRpcError; response: JsonRpcErrorResponse | undefined };

export type McpParsed =
  | { kind: 'message'; message: Exclude<McpMessage, { type: 'invalid' }> }
  | { kind: 'batch'; messages: McpMessage[] }
  /**
   * The whole body is unusable: send `response` (with `id: null` unless the id was readable);
   * `undefined` as for an invalid batch element.
   */
  | { kind: 'invalid'; error: JsonRpcError; response: JsonRpcErrorResponse | undefined };

export interface ParseLimits {
  /** Longest accepted string body, in UTF-16 code units. Default 4 MiB. */
  maxLength?: number;
  /** Deepest accepted nesting of arrays and objects (the envelope is depth 1). Default 64. */
  maxDepth?: number;
  /** Most values (of any kind) accepted in an already-parsed body. Default 1,000,000. */
  maxValues?: number;
}

const DEFAULT_MAX_LENGTH = 4 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_VALUES = 1_000_000;

/**
 * Parses one JSON-RPC 2.0 body (a string, or a value a body parser already produced) and
 * classifies its MCP methods. Never throws: anything unusable becomes a `-32700` / `-32600` /
 * `-32602` error response to send back. Pinned by `mcp-message.spec.ts`.
 */
export function parseMcpMessage(body: unknown, limits: ParseLimits = {}): McpParsed {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  let value: unknown;
  if (typeof body === 'string') {
    if (body.length > (limits.maxLength ?? DEFAULT_MAX_LENGTH)) return invalid(INVALID_REQUEST, 'message too large');
    // Checked before JSON.parse so a deeply nested body costs one linear scan, not a parse.
    if (textDepthExceeds(body, maxDepth)) return invalid(INVALID_REQUEST, 'message nested too deeply');
    try {
      value = JSON.parse(body);
    } catch {
      return invalid(PARSE_ERROR, 'parse error: not valid JSON');
    }
  } else {
    const bound = valueBoundExceeded(body, maxDepth, limits.maxValues ?? DEFAULT_MAX_VALUES);
    if (bound !== undefined) return invalid(INVALID_REQUEST, bound);
    value = body;
  }

  if (Array.isArray(value)) {
    if (value.length === 0) return invalid(INVALID_REQUEST, 'invalid request: empty batch');
    return { kind: 'batch', messages: value.map(parseElement) };
  }
  const message = parseElement(value);
  return message.type === 'invalid' ? { kind: 'invalid', error: message.error, response: message.response } : { kind: 'message', message };
}

function invalid(code: number, message: string): McpParsed {
  const response = jsonRpcError(null, code, message);
  return { kind: 'invalid', error: response.error, response };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An own member with a value. `undefined` counts as absent, as JSON.stringify would drop it: the
 * SDK's in-process transports hand over `{ params: undefined }` for parameterless requests.
 */
function has(o: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== undefined;
}

/** MCP requires string or integer ids; null only on an error response to an unreadable request. */
function isRequestId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

function parseElement(v: unknown): McpMessage {
  const bad = (id: JsonRpcId, code: number, message: string): McpMessage => {
    const response = jsonRpcError(id, code, message);
    return { type: 'invalid', error: response.error, response };
  };
  if (!isRecord(v)) return bad(null, INVALID_REQUEST, 'invalid request: not an object');
  const id = has(v, 'id') && isRequestId(v['id']) ? v['id'] : null;
  if (v['jsonrpc'] !== '2.0') return bad(id, INVALID_REQUEST, 'invalid request: jsonrpc must be "2.0"');
  if (has(v, 'id') && v['id'] !== null && !isRequestId(v['id'])) {
    return bad(null, INVALID_REQUEST, 'invalid request: id must be a string or an integer');
  }

  if (has(v, 'method')) {
    const method = v['method'];
    if (typeof method !== 'string' || method.length === 0) return bad(id, INVALID_REQUEST, 'invalid request: method must be a non-empty string');
    if (has(v, 'result') || has(v, 'error')) return bad(id, INVALID_REQUEST, 'invalid request: method with result or error');
    const params = v['params'];
    if (has(v, 'params') && !isRecord(params) && !Array.isArray(params)) {
      return bad(id, INVALID_REQUEST, 'invalid request: params must be an object or an array');
    }
    const call = classify(method, params as McpParams);
    if (typeof call === 'string') {
      const error: JsonRpcError = { code: INVALID_PARAMS, message: `invalid params for ${method}: ${call}` };
      // JSON-RPC never answers a notification, even an unusable one: it is dropped.
      if (!has(v, 'id')) return { type: 'invalid', error, response: undefined };
      return bad(id, error.code, error.message);
    }
    if (!has(v, 'id')) return { type: 'notification', method, params: params as McpParams, call };
    if (v['id'] === null) return bad(null, INVALID_REQUEST, 'invalid request: id must not be null');
    return { type: 'request', id: v['id'] as string | number, method, params: params as McpParams, call };
  }

  // A response: exactly one of result / error.
  if (!has(v, 'id')) return bad(null, INVALID_REQUEST, 'invalid request: neither method nor id');
  if (has(v, 'result') === has(v, 'error')) return bad(id, INVALID_REQUEST, 'invalid response: needs exactly one of result and error');
  if (has(v, 'result')) {
    if (v['id'] === null) return bad(null, INVALID_REQUEST, 'invalid response: result with a null id');
    return { type: 'result', id: v['id'] as string | number, result: v['result'] };
  }
  const error = v['error'];
  if (!isRecord(error) || !Number.isSafeInteger(error['code']) || typeof error['message'] !== 'string') {
    return bad(id, INVALID_REQUEST, 'invalid response: error needs an integer code and a string message');
  }
  const e: JsonRpcError = { code: error['code'] as number, message: error['message'] };
  if (has(error, 'data')) e.data = error['data'];
  return { type: 'error', id: v['id'] as JsonRpcId, error: e };
}

/** The MCP class of a method, or a string saying why its params are unusable (→ -32602). */
function classify(method: string, params: McpParams): McpCall | string {
  const p = isRecord(params) ? params : undefined;
  switch (method) {
    case 'initialize':
    case 'ping':
    case 'tools/list':
    case 'resources/list':
    case 'resources/templates/list':
    case 'prompts/list':
    case 'logging/setLevel':
      return { kind: method };
    case 'tools/call':
    case 'prompts/get': {
      if (p === undefined || typeof p['name'] !== 'string') return 'params.name must be a string';
      const args = p['arguments'];
      if (args !== undefined && !isRecord(args)) return 'params.arguments must be an object';
      return { kind: method, name: p['name'], arguments: args ?? {} };
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      if (p === undefined || typeof p['uri'] !== 'string') return 'params.uri must be a string';
      return { kind: method, uri: p['uri'] };
    case 'completion/complete': {
      const ref = p?.['ref'];
      if (!isRecord(ref)) return 'params.ref must be an object';
      if (ref['type'] === 'ref/prompt' && typeof ref['name'] === 'string') {
        return { kind: method, ref: { type: 'prompt', name: ref['name'] } };
      }
      if (ref['type'] === 'ref/resource' && typeof ref['uri'] === 'string') {
        return { kind: method, ref: { type: 'resource', uri: ref['uri'] } };
      }
      return 'params.ref must be a ref/prompt with a name or a ref/resource with a uri';
    }
    default:
      return method.startsWith('notifications/') ? { kind: 'notification', method } : { kind: 'other', method };
  }
}

/** True when brackets outside strings nest deeper than `maxDepth`; one pass, no allocation. */
function textDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * Bounds an already-parsed body: depth and value count, iteratively (a cyclic value hits the
 * depth bound). Returns why it is refused, or undefined.
 */
function valueBoundExceeded(root: unknown, maxDepth: number, maxValues: number): string | undefined {
  try {
    return walkBound(root, maxDepth, maxValues);
  } catch {
    // A getter or proxy that throws: not a value a JSON body parser produced.
    return 'message is not plain JSON';
  }
}

function walkBound(root: unknown, maxDepth: number, maxValues: number): string | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let count = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++count > maxValues) return 'message too large';
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return 'message nested too deeply';
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}
