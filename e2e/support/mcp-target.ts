// A real MCP server for the e2e suites, built with the official SDK and served over streamable
// HTTP on loopback (stateless: a fresh server and transport per request, as the SDK documents
// for simple servers). Its tools record every call, so a test can prove that a denied or
// unapproved call never reached it. `json: true` answers in JSON; otherwise in SSE.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface McpTarget {
  url: string;
  /** `tool:argument` for every call that reached the server. */
  calls: string[];
  /** Authorization headers the server saw. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

function buildServer(calls: string[]): McpServer {
  const server = new McpServer({ name: 'e2e-tools', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('lookup_customer', { description: 'a customer by name', inputSchema: { name: z.string() } }, async ({ name }) => {
    calls.push(`lookup_customer:${name}`);
    const customer = { name, email: `${name.toLowerCase()}@example.com`, card: '4111 1111 1111 1111', tier: 'gold' };
    return { content: [{ type: 'text', text: `${name} can be reached at ${customer.email}` }], structuredContent: { customer } };
  });
  server.registerTool('drop_table', { description: 'drops a table', inputSchema: { table: z.string() } }, async ({ table }) => {
    calls.push(`drop_table:${table}`);
    return { content: [{ type: 'text', text: `dropped ${table}` }] };
  });
  server.registerTool('deploy', { description: 'deploys a service', inputSchema: { service: z.string() } }, async ({ service }) => {
    calls.push(`deploy:${service}`);
    return { content: [{ type: 'text', text: `deployed ${service}` }] };
  });
  server.registerTool('count_slowly', { description: 'counts, one notification per step', inputSchema: { to: z.number(), everyMs: z.number() } }, async ({ to, everyMs }, extra) => {
    calls.push(`count_slowly:${to}`);
    for (let i = 1; i <= to; i++) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `step ${i}` } });
    }
    return { content: [{ type: 'text', text: `counted to ${to}` }] };
  });
  server.registerResource('handbook', 'docs://handbook', { description: 'the team handbook' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'On call: ops@example.com' }] }));
  return server;
}

export async function startMcpTarget(options: { json?: boolean } = {}): Promise<McpTarget> {
  const calls: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const httpServer = http.createServer(async (req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const server = buildServer(calls);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: options.json === true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
