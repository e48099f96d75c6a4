import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';
import { MCP_POLICY_DENIED } from './json-rpc.js';
import { decideMcpRequest } from './mcp-decision.js';
import { parseMcpMessage } from './mcp-message.js';
import { mcpPolicySchema, type McpPolicy } from './mcp-policy.js';

const policy: McpPolicy = mcpPolicySchema.parse({
  tools: [
    { name: 'drop_*', action: 'deny' },
    { name: 'query', action: 'deny', when: { arguments: { database: 'prod*' } } },
    { name: 'query', action: 'allow' },
    { name: 'shell', action: 'approve', when: { arguments: { cmd: ['rm *', 'sudo *'] } } },
    { name: 'shell', action: 'allow', when: { arguments: { cmd: 'ls*' } } },
    { name: 'deploy', action: 'approve' },
    { name: 'read_?', action: 'allow' },
  ],
  resources: [
    { uri: 'file:///etc/*', action: 'deny' },
    { uri: 'file:///*', action: 'allow' },
  ],
  prompts: [
    { name: 'secret*', action: 'deny' },
    { name: '*', action: 'allow' },
  ],
});

const call = (name: string, args?: Record<string, unknown>): string => JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: args === undefined ? { name } : { name, arguments: args } });
const req = (method: string, params?: Record<string, unknown>): string => JSON.stringify({ jsonrpc: '2.0', id: 7, method, params });

type Expected = 'forward' | `hold:${string}` | `reject:${string}`;

function summary(body: string, p: McpPolicy = policy): Expected {
  const d = decideMcpRequest(parseMcpMessage(body), p);
  if (d.action === 'forward') return 'forward';
  if (d.action === 'hold') return `hold:${d.rule}`;
  if (d.action === 'reject') return `reject:${(d.error.data as { rule?: string } | undefined)?.rule ?? d.error.code}`;
  throw new Error('unexpected batch');
}

describe('decideMcpRequest', () => {
  const cases: Array<[string, string, Expected]> = [
    ['glob deny', call('drop_table'), 'reject:tools[0]'],
    ['conditional deny matches', call('query', { database: 'prod-eu', sql: 'select 1' }), 'reject:tools[1]'],
    ['conditional deny does not match → next rule', call('query', { database: 'dev' }), 'forward'],
    ['conditional deny, argument absent → next rule', call('query'), 'forward'],
    ['conditional deny, non-string argument counts as matched', call('query', { database: ['prod'] }), 'reject:tools[1]'],
    ['approve when one of the globs matches', call('shell', { cmd: 'sudo reboot' }), 'hold:tools[3]'],
    ['allow with condition', call('shell', { cmd: 'ls -la' }), 'forward'],
    ['non-string argument counts as matched for approve', call('shell', { cmd: 5 }), 'hold:tools[3]'],
    ['nothing matches → default (absent = deny)', call('shell', { cmd: 'cat x' }), 'reject:default'],
    ['unconditional approve', call('deploy', { env: 'prod' }), 'hold:tools[5]'],
    ['? matches one character', call('read_x'), 'forward'],
    ['? does not match two', call('read_xy'), 'reject:default'],
    ['unlisted tool → default deny', call('other'), 'reject:default'],
    ['resource deny', req('resources/read', { uri: 'file:///etc/shadow' }), 'reject:resources[0]'],
    ['resource allow', req('resources/read', { uri: 'file:///home/a' }), 'forward'],
    ['resource subscribe uses the same rules', req('resources/subscribe', { uri: 'file:///etc/x' }), 'reject:resources[0]'],
    ['resource unmatched → default', req('resources/read', { uri: 'db://x' }), 'reject:default'],
    ['prompt deny', req('prompts/get', { name: 'secret_sauce' }), 'reject:prompts[0]'],
    ['prompt allow', req('prompts/get', { name: 'review' }), 'forward'],
    ['completion follows prompt rules', req('completion/complete', { ref: { type: 'ref/prompt', name: 'secret' }, argument: { name: 'a', value: '' } }), 'reject:prompts[0]'],
    ['completion follows resource rules', req('completion/complete', { ref: { type: 'ref/resource', uri: 'file:///x/{y}' }, argument: { name: 'y', value: '' } }), 'forward'],
    ['initialize', req('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } }), 'forward'],
    ['ping', req('ping'), 'forward'],
    ['tools/list', req('tools/list'), 'forward'],
    ['resources/templates/list', req('resources/templates/list'), 'forward'],
    ['logging/setLevel', req('logging/setLevel', { level: 'info' }), 'forward'],
    ['notification', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }), 'forward'],
    ['response to a server request', JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }), 'forward'],
    ['unknown method → otherMethods (absent = deny)', req('x/y'), 'reject:otherMethods'],
    ['invalid message → its parse error', '{', 'reject:-32700'],
  ];
  it.each(cases)('%s', (_name, body, expected) => {
    expect(summary(body)).toBe(expected);
  });

  it('default allow and otherMethods allow', () => {
    const open = mcpPolicySchema.parse({ default: 'allow', otherMethods: 'allow' });
    expect(summary(call('anything'), open)).toBe('forward');
    expect(summary(req('resources/read', { uri: 'x' }), open)).toBe('forward');
    expect(summary(req('x/y'), open)).toBe('forward');
    expect(summary(call('anything'), mcpPolicySchema.parse({}))).toBe('reject:default');
  });

  it('a rejection is a JSON-RPC error response naming the tool and the rule', () => {
    const d = decideMcpRequest(parseMcpMessage(call('drop_table', { sql: 'secret' })), policy);
    expect(d).toEqual({
      action: 'reject',
      error: {
        code: MCP_POLICY_DENIED,
        message: 'tool "drop_table" denied by policy rule tools[0]',
        data: { reason: 'policy_denied', rule: 'tools[0]', tool: 'drop_table' },
      },
      response: {
        jsonrpc: '2.0',
        id: 7,
        error: { code: MCP_POLICY_DENIED, message: 'tool "drop_table" denied by policy rule tools[0]', data: { reason: 'policy_denied', rule: 'tools[0]', tool: 'drop_table' } },
      },
    });
    // Argument values never appear in the error.
    expect(JSON.stringify(d)).not.toContain('secret');
  });

  it('an invalid notification is rejected without a response', () => {
    expect(decideMcpRequest(parseMcpMessage({ jsonrpc: '2.0', method: 'resources/read', params: {} }), policy)).toMatchObject({
      action: 'reject',
      error: { code: -32602 },
      response: undefined,
    });
  });

  it('a rejected notification gets no response', () => {
    const d = decideMcpRequest(parseMcpMessage({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'drop_x' } }), policy);
    expect(d).toMatchObject({ action: 'reject', response: undefined });
  });

  it('a batch is decided per element', () => {
    const body = `[${call('query', { database: 'dev' })},${call('drop_t')},${call('deploy')},{"jsonrpc":"2.0"}]`;
    const d = decideMcpRequest(parseMcpMessage(body), policy);
    expect(d.action).toBe('batch');
    if (d.action !== 'batch') return;
    expect(d.decisions.map((x) => x.action)).toEqual(['forward', 'reject', 'hold', 'reject']);
  });
});

describe('mcpPolicySchema', () => {
  const bad: Array<[string, unknown]> = [
    ['unknown top-level key', { default: 'deny', extra: 1 }],
    ['approve on a prompt', { prompts: [{ name: 'x', action: 'approve' }] }],
    ['approve on a resource', { resources: [{ uri: 'x', action: 'approve' }] }],
    ['empty glob', { tools: [{ name: '', action: 'allow' }] }],
    ['bad default', { default: 'approve' }],
    ['unknown detector', { masking: { detectors: ['iban'] } }],
    ['condition list empty', { tools: [{ name: 'x', action: 'allow', when: { arguments: { a: [] } } }] }],
  ];
  it.each(bad)('refuses %s', (_name, input) => {
    expect(mcpPolicySchema.safeParse(input).success).toBe(false);
  });
  it('accepts the README example', () => {
    expect(
      mcpPolicySchema.parse({
        tools: [
          { name: 'query', action: 'allow', when: { arguments: { database: ['dev', 'staging-*'] } } },
          { name: 'deploy_*', action: 'approve' },
        ],
        resources: [{ uri: 'file:///srv/docs/*', action: 'allow' }],
        prompts: [{ name: '*', action: 'allow' }],
        default: 'deny',
        masking: { paths: ['$.rows[*].email'], columns: ['*token*'], detectors: ['email', 'jwt'] },
      }),
    ).toBeDefined();
  });
});

describe('globMatch', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['*', 'anything/at/all', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['Query', 'query', false],
    ['file:///etc/*', 'file:///etc/ssl/x', true],
    ['*a*a*a*b', 'a'.repeat(2000), false],
  ];
  it.each(cases)('%s ~ %s → %s', (p, t, r) => expect(globMatch(p, t)).toBe(r));
});

describe('decideMcpRequest: echoed names are bounded', () => {
  it('a long tool name is shortened in the message and data, kept whole in a hold', () => {
    const long = `drop_${'x'.repeat(1000)}`;
    const d = decideMcpRequest(parseMcpMessage(call(long)), policy);
    if (d.action !== 'reject') throw new Error('expected a rejection');
    expect(d.error.message.length).toBeLessThan(300);
    expect((d.error.data as { tool: string }).tool).toBe(`${long.slice(0, 200)}…`);
    const h = decideMcpRequest(parseMcpMessage(call('deploy')), policy);
    expect(h).toMatchObject({ action: 'hold', tool: 'deploy', rule: 'tools[5]' });
  });
});
