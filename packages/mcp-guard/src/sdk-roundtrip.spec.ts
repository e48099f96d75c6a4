/**
 * The official SDK's Client ⇄ McpServer over in-memory transports, with a test-only relay in
 * between that does what the gateway will: parse and decide every client message, filter list
 * results and mask call results. Proves the real client accepts what this package produces.
 */
import { compileMasker } from '@jitgate/masking';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MCP_POLICY_DENIED } from './json-rpc.js';
import { decideMcpRequest } from './mcp-decision.js';
import { filterPromptsList, filterResourcesList, filterToolsList } from './mcp-lists.js';
import { maskResourceResult, maskToolResult } from './mcp-mask.js';
import { parseMcpMessage } from './mcp-message.js';
import { mcpPolicySchema } from './mcp-policy.js';

const policy = mcpPolicySchema.parse({
  tools: [
    { name: 'lookup', action: 'allow' },
    { name: 'drop_table', action: 'deny' },
    { name: 'deploy', action: 'approve' },
  ],
  resources: [{ uri: 'docs://public/*', action: 'allow' }],
  prompts: [{ name: 'review', action: 'allow' }],
  masking: { paths: ['$.owner.phone'], detectors: ['email'] },
});
const masker = compileMasker({ columns: policy.masking?.columns ?? [], detectors: policy.masking?.detectors ?? [] });
const maskOptions = { paths: policy.masking?.paths ?? [] };

function buildServer(): { server: McpServer; calls: string[] } {
  const calls: string[] = [];
  const server = new McpServer({ name: 'upstream', version: '1.0.0' });
  server.registerTool('lookup', { description: 'find a user', inputSchema: { user: z.string() }, outputSchema: { owner: z.object({ email: z.string(), phone: z.string() }) } }, async ({ user }) => {
    calls.push(`lookup:${user}`);
    const owner = { email: `${user}@example.com`, phone: '555-0100' };
    return { content: [{ type: 'text', text: `owner is ${owner.email}` }], structuredContent: { owner } };
  });
  server.registerTool('drop_table', { inputSchema: { table: z.string() } }, async ({ table }) => {
    calls.push(`drop_table:${table}`);
    return { content: [{ type: 'text', text: 'dropped' }] };
  });
  server.registerTool('deploy', {}, async () => {
    calls.push('deploy');
    return { content: [{ type: 'text', text: 'deployed' }] };
  });
  server.registerTool('unlisted', {}, async () => ({ content: [{ type: 'text', text: 'x' }] }));
  server.registerResource('pub', 'docs://public/readme', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'contact: ops@example.com' }] }));
  server.registerResource('priv', 'docs://private/keys', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'secret' }] }));
  server.registerPrompt('review', {}, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'review' } }] }));
  server.registerPrompt('internal', {}, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'internal' } }] }));
  return { server, calls };
}

/** What the gateway will do per message, minus transport, sessions and approvals. */
function relay(clientSide: InMemoryTransport, serverSide: InMemoryTransport): { held: string[] } {
  const pending = new Map<string | number, string>();
  const held: string[] = [];
  clientSide.onmessage = (msg: JSONRPCMessage) => {
    const parsed = parseMcpMessage(msg);
    const decision = decideMcpRequest(parsed, policy);
    if (decision.action === 'forward') {
      if (parsed.kind === 'message' && parsed.message.type === 'request') pending.set(parsed.message.id, parsed.message.method);
      void serverSide.send(msg);
    } else if (decision.action === 'reject') {
      if (decision.response !== undefined) void clientSide.send(decision.response as JSONRPCMessage);
    } else if (decision.action === 'hold') {
      held.push(decision.tool);
      // No approver in this test: the gateway would wait; here the request just stays unanswered.
    } else {
      throw new Error('batches are not sent by the SDK client');
    }
  };
  serverSide.onmessage = (msg: JSONRPCMessage) => {
    const parsed = parseMcpMessage(msg);
    if (parsed.kind === 'message' && parsed.message.type === 'result') {
      const { id, result } = parsed.message;
      const method = pending.get(id);
      pending.delete(id);
      const out =
        method === 'tools/list'
          ? filterToolsList(result, policy).result
          : method === 'prompts/list'
            ? filterPromptsList(result, policy).result
            : method === 'resources/list'
              ? filterResourcesList(result, policy).result
              : method === 'tools/call'
                ? maskToolResult(result, masker, maskOptions).result
                : method === 'resources/read'
                  ? maskResourceResult(result, masker, maskOptions).result
                  : result;
      void clientSide.send({ jsonrpc: '2.0', id, result: out } as JSONRPCMessage);
      return;
    }
    void clientSide.send(msg);
  };
  return { held };
}

describe('SDK Client ⇄ relay ⇄ McpServer', () => {
  let client: Client;
  let calls: string[];
  let held: string[];
  let server: McpServer;

  beforeEach(async () => {
    const [clientT, relayClientT] = InMemoryTransport.createLinkedPair();
    const [relayServerT, serverT] = InMemoryTransport.createLinkedPair();
    ({ server, calls } = buildServer());
    ({ held } = relay(relayClientT, relayServerT));
    await relayClientT.start();
    await relayServerT.start();
    await server.connect(serverT);
    client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(clientT);
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('listTools shows allowed and approval tools only, the latter annotated', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['deploy', 'lookup']);
    expect(tools.find((t) => t.name === 'deploy')?._meta).toEqual({ 'jitgate/approval': 'required' });
  });

  it('callTool on a denied tool rejects with the policy error; the server never sees it', async () => {
    const err = await client.callTool({ name: 'drop_table', arguments: { table: 'users' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(MCP_POLICY_DENIED);
    expect((err as McpError).message).toBe('MCP error -32010: tool "drop_table" denied by policy rule tools[1]');
    expect((err as McpError).data).toEqual({ reason: 'policy_denied', rule: 'tools[1]', tool: 'drop_table' });
    expect(calls).toEqual([]);
  });

  it('callTool on an unlisted tool is refused by the default', async () => {
    const err = await client.callTool({ name: 'unlisted' }).catch((e: unknown) => e);
    expect((err as McpError).message).toBe('MCP error -32010: tool "unlisted" denied by the policy default');
  });

  it('an approval tool is held, not forwarded', async () => {
    const pending = client.callTool({ name: 'deploy' }, undefined, { timeout: 200 }).catch((e: unknown) => e);
    expect(await pending).toBeInstanceOf(McpError); // the SDK's own request timeout
    expect(held).toEqual(['deploy']);
    expect(calls).toEqual([]);
  });

  it('masked results reach the client and pass its output-schema validation', async () => {
    await client.listTools(); // the client validates structuredContent against the listed outputSchema
    const r = await client.callTool({ name: 'lookup', arguments: { user: 'bob' } });
    expect(calls).toEqual(['lookup:bob']);
    expect(r.content).toEqual([{ type: 'text', text: 'owner is [REDACTED:email]' }]);
    expect(r.structuredContent).toEqual({ owner: { email: '[REDACTED:email]', phone: '[REDACTED]' } });
  });

  it('resources and prompts are filtered and governed', async () => {
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['docs://public/readme']);
    expect((await client.readResource({ uri: 'docs://public/readme' })).contents).toEqual([{ uri: 'docs://public/readme', text: 'contact: [REDACTED:email]' }]);
    await expect(client.readResource({ uri: 'docs://private/keys' })).rejects.toMatchObject({ code: MCP_POLICY_DENIED });
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['review']);
    await expect(client.getPrompt({ name: 'internal' })).rejects.toMatchObject({ code: MCP_POLICY_DENIED });
  });
});
