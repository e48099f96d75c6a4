import { ListPromptsResultSchema, ListResourcesResultSchema, ListToolsResultSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { APPROVAL_META_KEY, filterPromptsList, filterResourcesList, filterToolsList } from './mcp-lists.js';
import { mcpPolicySchema, type McpPolicy } from './mcp-policy.js';

const tool = (name: string, meta?: Record<string, unknown>) => ({
  name,
  inputSchema: { type: 'object' as const, properties: {} },
  ...(meta === undefined ? {} : { _meta: meta }),
});

const tools: ListToolsResult = ListToolsResultSchema.parse({
  tools: ['query', 'drop_table', 'deploy', 'shell', 'maybe', 'unlisted'].map((n) => tool(n)).concat([tool('annotated', { keep: 1 })]),
  nextCursor: 'c1',
});

const policy: McpPolicy = mcpPolicySchema.parse({
  tools: [
    { name: 'drop_*', action: 'deny' },
    { name: 'query', action: 'deny', when: { arguments: { database: 'prod' } } },
    { name: 'query', action: 'allow' },
    { name: 'deploy', action: 'approve' },
    { name: 'shell', action: 'allow', when: { arguments: { cmd: 'ls*' } } },
    { name: 'maybe', action: 'approve', when: { arguments: { env: 'prod' } } },
    { name: 'maybe', action: 'deny' },
    { name: 'annotated', action: 'approve' },
  ],
});

describe('filterToolsList', () => {
  const { result, removed } = filterToolsList(tools, policy);
  const byName = new Map(result.tools.map((t) => [t.name, t]));
  const cases: Array<[string, 'hidden' | 'visible' | 'required' | 'conditional']> = [
    ['drop_table', 'hidden'],
    ['query', 'visible'],
    ['deploy', 'required'],
    ['shell', 'visible'],
    ['maybe', 'conditional'],
    ['unlisted', 'hidden'],
    ['annotated', 'required'],
  ];
  it.each(cases)('%s → %s', (name, expected) => {
    const t = byName.get(name);
    if (expected === 'hidden') {
      expect(t).toBeUndefined();
      expect(removed).toContain(name);
    } else if (expected === 'visible') {
      expect(t?._meta?.[APPROVAL_META_KEY]).toBeUndefined();
    } else {
      expect(t?._meta?.[APPROVAL_META_KEY]).toBe(expected);
    }
  });

  it('keeps other fields and existing _meta, does not mutate, stays a valid ListToolsResult', () => {
    const before = structuredClone(tools);
    expect(result.nextCursor).toBe('c1');
    expect(byName.get('annotated')?._meta).toEqual({ keep: 1, [APPROVAL_META_KEY]: 'required' });
    expect(tools).toEqual(before);
    expect(ListToolsResultSchema.safeParse(result).success).toBe(true);
  });

  it('default allow shows unlisted tools', () => {
    const r = filterToolsList(tools, { ...policy, default: 'allow' });
    expect(r.result.tools.map((t) => t.name)).toContain('unlisted');
    expect(r.removed).toEqual(['drop_table']);
  });

  const malformed: Array<[string, unknown, string[]]> = [
    ['not an object', 'x', []],
    ['tools missing', {}, []],
    ['tools not an array', { tools: {} }, []],
    ['an element without a name', { tools: [{ inputSchema: {} }, tool('query')] }, ['query']],
  ];
  it.each(malformed)('malformed result (%s) → only valid, allowed tools survive', (_n, input, names) => {
    const r = filterToolsList(input, policy).result as { tools: Array<{ name: string }> };
    expect(r.tools.map((t) => t.name)).toEqual(names);
  });
});

describe('filterPromptsList and filterResourcesList', () => {
  const p: McpPolicy = mcpPolicySchema.parse({
    prompts: [
      { name: 'secret*', action: 'deny' },
      { name: 'review', action: 'allow' },
    ],
    resources: [
      { uri: 'file:///etc/*', action: 'deny' },
      { uri: 'file:///*', action: 'allow' },
    ],
  });
  it('prompts', () => {
    const input = ListPromptsResultSchema.parse({ prompts: [{ name: 'secret_x' }, { name: 'review' }, { name: 'other' }] });
    const r = filterPromptsList(input, p);
    expect(r.result.prompts.map((x) => x.name)).toEqual(['review']);
    expect(r.removed).toEqual(['secret_x', 'other']);
    expect(ListPromptsResultSchema.safeParse(r.result).success).toBe(true);
  });
  it('resources', () => {
    const input = ListResourcesResultSchema.parse({
      resources: [
        { uri: 'file:///etc/passwd', name: 'passwd' },
        { uri: 'file:///srv/a', name: 'a' },
        { uri: 'db://t', name: 't' },
      ],
    });
    const r = filterResourcesList(input, p);
    expect(r.result.resources.map((x) => x.uri)).toEqual(['file:///srv/a']);
    expect(r.removed).toEqual(['file:///etc/passwd', 'db://t']);
    expect(ListResourcesResultSchema.safeParse(r.result).success).toBe(true);
  });
});
