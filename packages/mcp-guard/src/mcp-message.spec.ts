import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  InitializedNotificationSchema,
  InitializeRequestSchema,
  JSONRPCMessageSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR } from './json-rpc.js';
import { parseMcpMessage, type McpCall } from './mcp-message.js';

/** A request built through the SDK's own schemas, so the shapes are the spec's. */
function request(id: number | string, body: { method: string; params?: Record<string, unknown> }): JSONRPCMessage {
  return JSONRPCMessageSchema.parse({ jsonrpc: '2.0', id, ...body });
}

const init = InitializeRequestSchema.parse({
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } },
});

describe('parseMcpMessage: classification of SDK-built requests', () => {
  const cases: Array<[string, JSONRPCMessage, McpCall]> = [
    ['initialize', request(1, init), { kind: 'initialize' }],
    ['ping', request(2, { method: 'ping' }), { kind: 'ping' }],
    ['tools/list', request(3, ListToolsRequestSchema.parse({ method: 'tools/list' })), { kind: 'tools/list' }],
    [
      'tools/call',
      request('a', CallToolRequestSchema.parse({ method: 'tools/call', params: { name: 'query', arguments: { sql: 'select 1' } } })),
      { kind: 'tools/call', name: 'query', arguments: { sql: 'select 1' } },
    ],
    ['tools/call without arguments', request(4, CallToolRequestSchema.parse({ method: 'tools/call', params: { name: 'now' } })), { kind: 'tools/call', name: 'now', arguments: {} }],
    ['resources/list', request(5, { method: 'resources/list' }), { kind: 'resources/list' }],
    ['resources/templates/list', request(6, { method: 'resources/templates/list' }), { kind: 'resources/templates/list' }],
    ['resources/read', request(7, ReadResourceRequestSchema.parse({ method: 'resources/read', params: { uri: 'file:///etc/hosts' } })), { kind: 'resources/read', uri: 'file:///etc/hosts' }],
    ['resources/subscribe', request(8, SubscribeRequestSchema.parse({ method: 'resources/subscribe', params: { uri: 'db://x' } })), { kind: 'resources/subscribe', uri: 'db://x' }],
    ['resources/unsubscribe', request(9, { method: 'resources/unsubscribe', params: { uri: 'db://x' } }), { kind: 'resources/unsubscribe', uri: 'db://x' }],
    ['prompts/list', request(10, { method: 'prompts/list' }), { kind: 'prompts/list' }],
    [
      'prompts/get',
      request(11, GetPromptRequestSchema.parse({ method: 'prompts/get', params: { name: 'review', arguments: { lang: 'ts' } } })),
      { kind: 'prompts/get', name: 'review', arguments: { lang: 'ts' } },
    ],
    [
      'completion/complete (prompt)',
      request(12, CompleteRequestSchema.parse({ method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'lang', value: 't' } } })),
      { kind: 'completion/complete', ref: { type: 'prompt', name: 'review' } },
    ],
    [
      'completion/complete (resource)',
      request(13, CompleteRequestSchema.parse({ method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'db://{t}' }, argument: { name: 't', value: 'u' } } })),
      { kind: 'completion/complete', ref: { type: 'resource', uri: 'db://{t}' } },
    ],
    ['logging/setLevel', request(14, { method: 'logging/setLevel', params: { level: 'info' } }), { kind: 'logging/setLevel' }],
    ['sampling/createMessage → other', request(15, { method: 'sampling/createMessage', params: {} }), { kind: 'other', method: 'sampling/createMessage' }],
    ['unknown method → other', request(16, { method: 'x/y' }), { kind: 'other', method: 'x/y' }],
  ];
  it.each(cases)('%s', (_name, msg, call) => {
    const fromValue = parseMcpMessage(msg);
    const fromText = parseMcpMessage(JSON.stringify(msg));
    expect(fromValue).toEqual(fromText);
    expect(fromValue.kind).toBe('message');
    if (fromValue.kind !== 'message') return;
    expect(fromValue.message.type).toBe('request');
    if (fromValue.message.type === 'request') expect(fromValue.message.call).toEqual(call);
  });

  it('notifications', () => {
    const n = JSONRPCMessageSchema.parse({ jsonrpc: '2.0', ...InitializedNotificationSchema.parse({ method: 'notifications/initialized' }) });
    expect(parseMcpMessage(n)).toEqual({
      kind: 'message',
      message: { type: 'notification', method: 'notifications/initialized', params: undefined, call: { kind: 'notification', method: 'notifications/initialized' } },
    });
  });

  it('responses: result and error', () => {
    expect(parseMcpMessage('{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}')).toEqual({
      kind: 'message',
      message: { type: 'result', id: 3, result: { tools: [] } },
    });
    expect(parseMcpMessage('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x","data":1}}')).toEqual({
      kind: 'message',
      message: { type: 'error', id: null, error: { code: -32700, message: 'x', data: 1 } },
    });
  });

  it('batches: one entry per element, invalid elements answered individually', () => {
    const parsed = parseMcpMessage('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"1.0","id":2,"method":"ping"},5]');
    expect(parsed.kind).toBe('batch');
    if (parsed.kind !== 'batch') return;
    expect(parsed.messages.map((m) => m.type)).toEqual(['request', 'invalid', 'invalid']);
    const second = parsed.messages[1]!;
    if (second.type === 'invalid') expect(second.response).toMatchObject({ id: 2, error: { code: INVALID_REQUEST } });
  });
});

describe('parseMcpMessage: bad input', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const cases: Array<[string, unknown, number, string | number | null]> = [
    ['not JSON', '{"jsonrpc":', PARSE_ERROR, null],
    ['empty string', '', PARSE_ERROR, null],
    ['empty batch', '[]', INVALID_REQUEST, null],
    ['a number', '42', INVALID_REQUEST, null],
    ['null', 'null', INVALID_REQUEST, null],
    ['missing jsonrpc', '{"id":1,"method":"ping"}', INVALID_REQUEST, 1],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":1,"method":"ping"}', INVALID_REQUEST, 1],
    ['jsonrpc as number', '{"jsonrpc":2.0,"id":1,"method":"ping"}', INVALID_REQUEST, 1],
    ['id object', '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', INVALID_REQUEST, null],
    ['id array', '{"jsonrpc":"2.0","id":[1],"method":"ping"}', INVALID_REQUEST, null],
    ['id boolean', '{"jsonrpc":"2.0","id":true,"method":"ping"}', INVALID_REQUEST, null],
    ['id fractional', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', INVALID_REQUEST, null],
    ['request with null id', '{"jsonrpc":"2.0","id":null,"method":"ping"}', INVALID_REQUEST, null],
    ['method number', '{"jsonrpc":"2.0","id":1,"method":7}', INVALID_REQUEST, 1],
    ['method empty', '{"jsonrpc":"2.0","id":1,"method":""}', INVALID_REQUEST, 1],
    ['params string', '{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}', INVALID_REQUEST, 1],
    ['params null', '{"jsonrpc":"2.0","id":1,"method":"ping","params":null}', INVALID_REQUEST, 1],
    ['method and result', '{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}', INVALID_REQUEST, 1],
    ['result and error', '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}', INVALID_REQUEST, 1],
    ['neither', '{"jsonrpc":"2.0","id":1}', INVALID_REQUEST, 1],
    ['no id, no method', '{"jsonrpc":"2.0","result":{}}', INVALID_REQUEST, null],
    ['error without code', '{"jsonrpc":"2.0","id":1,"error":{"message":"m"}}', INVALID_REQUEST, 1],
    ['result with null id', '{"jsonrpc":"2.0","id":null,"result":{}}', INVALID_REQUEST, null],
    ['tools/call without name', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}', INVALID_PARAMS, 1],
    ['tools/call name number', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}}', INVALID_PARAMS, 1],
    ['tools/call params array', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["q"]}', INVALID_PARAMS, 1],
    ['tools/call arguments array', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"q","arguments":[]}}', INVALID_PARAMS, 1],
    ['resources/read without uri', '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{}}', INVALID_PARAMS, 1],
    ['completion bad ref', '{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/x"}}}', INVALID_PARAMS, 1],
    ['too deep (text)', `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${deep(100)}}}`, INVALID_REQUEST, null],
    ['too long (text)', `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"${'x'.repeat(5 * 1024 * 1024)}"}}`, INVALID_REQUEST, null],
    ['too deep (value)', JSON.parse(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${deep(100)}}}`), INVALID_REQUEST, null],
    ['too many values', { jsonrpc: '2.0', id: 1, method: 'ping', params: { a: new Array(1_000_001).fill(0) } }, INVALID_REQUEST, null],
    [
      'a throwing getter',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        get params(): never {
          throw new Error('boom');
        },
      },
      INVALID_REQUEST,
      null,
    ],
  ];
  it.each(cases)('%s', (_name, body, code, id) => {
    const parsed = parseMcpMessage(body);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    expect(parsed.response?.jsonrpc).toBe('2.0');
    expect(parsed.response?.error.code).toBe(code);
    expect(parsed.response?.id).toBe(id);
  });

  it('a notification with unusable params is dropped, not answered', () => {
    const parsed = parseMcpMessage('{"jsonrpc":"2.0","method":"tools/call","params":{}}');
    expect(parsed).toMatchObject({ kind: 'invalid', error: { code: INVALID_PARAMS }, response: undefined });
  });

  it('a cyclic value hits the depth bound', () => {
    const params: Record<string, unknown> = {};
    params['self'] = params;
    const parsed = parseMcpMessage({ jsonrpc: '2.0', id: 1, method: 'ping', params });
    expect(parsed.kind).toBe('invalid');
  });

  it('brackets inside strings do not count towards depth', () => {
    const parsed = parseMcpMessage(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"${'['.repeat(1000)}\\"["}}`);
    expect(parsed.kind).toBe('message');
  });

  it('limits are configurable', () => {
    expect(parseMcpMessage('{"jsonrpc":"2.0","id":1,"method":"ping"}', { maxLength: 10 }).kind).toBe('invalid');
    expect(parseMcpMessage('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[]}}', { maxDepth: 2 }).kind).toBe('invalid');
  });
});

describe('parseMcpMessage: never throws (property)', () => {
  const limits = { numRuns: 2000, interruptAfterTimeLimit: 4000 };
  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        parseMcpMessage(s);
      }),
      limits,
    );
  });
  it('on random JSON text', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (s) => {
        parseMcpMessage(s);
      }),
      limits,
    );
  });
  it('on random JSON-RPC-shaped values', () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
    const msg = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue({ maxDepth: 1 })),
        id: field,
        method: fc.oneof(fc.constantFrom('tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'ping'), fc.string()),
        params: field,
        result: field,
        error: field,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(msg, fc.array(msg, { maxLength: 4 })), (v) => {
        parseMcpMessage(v);
        parseMcpMessage(JSON.stringify(v));
      }),
      limits,
    );
  });
});

describe('parseMcpMessage: already-parsed values', () => {
  it('an undefined member counts as absent (as JSON.stringify would drop it)', () => {
    expect(parseMcpMessage({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: undefined })).toEqual(parseMcpMessage('{"jsonrpc":"2.0","id":1,"method":"tools/list"}'));
    expect(parseMcpMessage({ jsonrpc: '2.0', id: undefined, method: 'notifications/initialized' })).toMatchObject({
      kind: 'message',
      message: { type: 'notification' },
    });
  });
});
