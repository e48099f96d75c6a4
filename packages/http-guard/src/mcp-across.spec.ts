import { mcpPolicySchema, parseMcpMessage, type McpPolicy } from '@jitgate/mcp-guard';
import { describe, expect, it } from 'vitest';
import { decideMcpAcross, filterListsAcross, type McpAcrossDecision } from './mcp-across.js';

const a = { policy: 'p', rule: 'a' };
const b = { policy: 'p', rule: 'b' };
const permissive: McpPolicy = mcpPolicySchema.parse({ tools: [{ name: 'deploy', action: 'approve' }], default: 'allow', otherMethods: 'allow' });
const strict: McpPolicy = mcpPolicySchema.parse({
  tools: [
    { name: 'drop_*', action: 'deny' },
    { name: 'deploy', action: 'approve' },
    { name: '*', action: 'allow' },
  ],
  resources: [
    { uri: 'file:///etc/*', action: 'deny' },
    { uri: '*', action: 'allow' },
  ],
  prompts: [{ name: '*', action: 'allow' }],
});
const policies = [
  { policy: permissive, rule: a },
  { policy: strict, rule: b },
];

const call = (name: string, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
const req = (method: string, params: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });

function short(d: McpAcrossDecision): string {
  if (d.action === 'batch') return d.decisions.map(short).join(',');
  if (d.action === 'forward') return 'forward';
  if (d.action === 'hold') return `hold:${d.rule.rule}:${d.mcpRule}`;
  return `reject:${d.rule?.rule ?? '-'}`;
}

describe('decideMcpAcross', () => {
  it.each([
    ['allowed by both', call('read_rows'), false, 'forward'],
    ['denied by one', call('drop_table'), false, 'reject:b'],
    ['held by both: the first names the guardrail', call('deploy'), false, 'hold:a:tools[0]'],
    ['a resource one policy denies', req('resources/read', { uri: 'file:///etc/passwd' }), false, 'reject:b'],
    ['an other method allowed by one only', req('sampling/createMessage'), false, 'reject:b'],
    ['read-only refuses tools/call', call('read_rows'), true, 'reject:-'],
    ['read-only still reads resources', req('resources/read', { uri: 'file:///srv/a' }), true, 'forward'],
    ['read-only still lists tools', req('tools/list'), true, 'forward'],
    ['malformed', '{"jsonrpc":"1.0"}', false, 'reject:-'],
    ['a batch, element by element', `[${call('read_rows', 1)},${call('drop_x', 2)},${call('deploy', 3)}]`, false, 'forward,reject:b,hold:a:tools[0]'],
  ])('%s', (_n, body, readOnly, expected) => {
    expect(short(decideMcpAcross(parseMcpMessage(body), policies, { readOnly }))).toBe(expected);
  });

  it('forwards valid messages when no policy applies', () => {
    expect(decideMcpAcross(parseMcpMessage(call('anything')), [], { readOnly: false })).toEqual({ action: 'forward' });
  });

  it('names the guardrail in the error data, and explains read-only', () => {
    const d = decideMcpAcross(parseMcpMessage(call('drop_table', 9)), policies, { readOnly: false });
    expect(d).toMatchObject({ action: 'reject', response: { id: 9, error: { code: -32010, data: { rule: 'tools[0]', guardrail: 'p/b' } } } });
    const ro = decideMcpAcross(parseMcpMessage(call('x')), [], { readOnly: true });
    expect(ro).toMatchObject({ action: 'reject', error: { message: 'tool "x" refused: the session is read-only', data: { reason: 'read_only' } } });
  });
});

describe('filterListsAcross', () => {
  const tools = { tools: [{ name: 'read_rows' }, { name: 'drop_table' }, { name: 'deploy' }, { name: 7 }], nextCursor: 'c' };

  it('keeps a tool only if every policy lists it, with the strongest approval mark', () => {
    const r = filterListsAcross('tools/list', tools, policies);
    expect(r.result).toEqual({ tools: [{ name: 'read_rows' }, { name: 'deploy', _meta: { 'jitgate/approval': 'required' } }], nextCursor: 'c' });
    expect(r.removed.sort()).toEqual(['<malformed>', 'drop_table']);
    expect(tools.tools).toHaveLength(4);
  });

  it('lists no tools in a read-only session, and filters resources by every policy', () => {
    expect(filterListsAcross('tools/list', tools, [], { readOnly: true }).result).toEqual({ tools: [], nextCursor: 'c' });
    const resources = { resources: [{ uri: 'file:///etc/passwd' }, { uri: 'file:///srv/a' }] };
    expect(filterListsAcross('resources/list', resources, policies).result).toEqual({ resources: [{ uri: 'file:///srv/a' }] });
    expect(filterListsAcross('initialize', { x: 1 }, policies).result).toEqual({ x: 1 });
  });
});
