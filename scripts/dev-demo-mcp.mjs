// The MCP demo `pnpm dev` sets up beside the Postgres one (README: "HTTP, BigQuery, Cloud Storage
// and MCP through the gateway"): a small MCP server built with the official SDK, run inside this
// dev process on a loopback port; an `mcp` connection `demo-tools` to it, served by the local
// agent; and a policy `demo-tools` that lets the dev admins in at once, for at most 1h, with
// guardrails: `drop_*` tools denied, `deploy` held for an admin, e-mail addresses and card
// numbers masked in results (the same set as e2e/http/http.mcp.test.ts).
// Each step finds what an earlier start created and changes only what differs.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AGENT_GROUP, APPROVER_SUBJECT, DevApiError, ensureDemoConnection, whoIs } from './dev-demo.mjs';

export const TOOLS_CONNECTION = 'demo-tools';
const TOOLS_POLICY = 'demo-tools';

const CUSTOMERS = {
  ada: { name: 'Ada Lovelace', email: 'ada@example.com', card: '4111 1111 1111 1111', tier: 'gold' },
  alan: { name: 'Alan Turing', email: 'alan@example.com', card: '5555-5555-5555-4444', tier: 'silver' },
};

/** The SDK and zod, from the gateway's dependencies (the root package has none of its own). */
async function load(repo) {
  const require = createRequire(path.join(repo, 'apps', 'gateway', 'package.json'));
  const from = (specifier) => import(pathToFileURL(require.resolve(specifier)).href);
  const [{ McpServer }, { StreamableHTTPServerTransport }, { z }] = await Promise.all([from('@modelcontextprotocol/sdk/server/mcp.js'), from('@modelcontextprotocol/sdk/server/streamableHttp.js'), from('zod')]);
  return { McpServer, StreamableHTTPServerTransport, z };
}

function buildServer({ McpServer, z }, calls) {
  const server = new McpServer({ name: 'jitgate-demo-tools', version: '1.0.0' });
  server.registerTool('lookup_customer', { description: 'A customer by first name (ada, alan)', inputSchema: { name: z.string() } }, async ({ name }) => {
    calls.push(`lookup_customer ${name}`);
    const customer = CUSTOMERS[name.toLowerCase()];
    if (!customer) return { content: [{ type: 'text', text: `no customer called ${name}` }], isError: true };
    return { content: [{ type: 'text', text: `${customer.name} <${customer.email}> pays with ${customer.card}` }], structuredContent: { customer } };
  });
  server.registerTool('drop_table', { description: 'Drops a table (the demo policy denies it)', inputSchema: { table: z.string() } }, async ({ table }) => {
    calls.push(`drop_table ${table}`);
    return { content: [{ type: 'text', text: `dropped ${table}` }] };
  });
  server.registerTool('deploy', { description: 'Deploys a service (the demo policy holds it for an admin)', inputSchema: { service: z.string() } }, async ({ service }) => {
    calls.push(`deploy ${service}`);
    return { content: [{ type: 'text', text: `deployed ${service}` }] };
  });
  return server;
}

/**
 * Starts the demo MCP server on a free loopback port, stateless (a fresh server per request, as
 * the SDK documents for simple servers), answering in JSON so that curl shows it plainly.
 */
export async function startDemoMcpServer(repo) {
  const sdk = await load(repo);
  const calls = [];
  const httpServer = http.createServer(async (req, res) => {
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const server = buildServer(sdk, calls);
    const transport = new sdk.StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${httpServer.address().port}/mcp`,
    calls,
    close: () =>
      new Promise((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

/** The connection and the policy; returns what the agent must serve. */
export async function ensureMcpDemo({ call, url, adminGroup, log }) {
  await ensureToolsConnection(call, url, log);
  const me = await whoIs(call);
  if (!me) throw new DevApiError('the gateway no longer accepts the dev admin token');
  await ensureToolsPolicy(call, [me.subject, APPROVER_SUBJECT], adminGroup, log);
  return { connection: TOOLS_CONNECTION };
}

async function ensureToolsConnection(call, url, log) {
  await ensureDemoConnection(
    call,
    {
      name: TOOLS_CONNECTION,
      type: 'mcp',
      // The server's port changes at every start.
      settings: { url },
      description: 'Demo MCP server behind tool policy and masking (created by scripts/dev.mjs)',
      where: `mcp → ${url}, agent group ${AGENT_GROUP}`,
    },
    log,
  );
}

async function ensureToolsPolicy(call, subjects, adminGroup, log) {
  const { items } = await call('GET', '/v1/policies');
  // The developer may have changed it: leave it. Deleting it brings the demo's back on the next start.
  if (items.some((p) => p.name === TOOLS_POLICY)) return;
  await call('POST', '/v1/policies', {
    name: TOOLS_POLICY,
    description: 'Demo policy of `pnpm dev`: the dev admins get demo-tools at once, for at most 1h, behind MCP tool rules and masking.',
    rules: [{ name: 'dev-admins-use-demo-tools', effect: 'auto-approve', match: { identity: { subjects }, connection: { names: [TOOLS_CONNECTION] } }, maxDuration: '1h' }],
    guardrails: [
      {
        name: 'demo-tools-mcp',
        match: { connection: { names: [TOOLS_CONNECTION] } },
        mcp: {
          tools: [
            { name: 'drop_*', action: 'deny' },
            { name: 'deploy', action: 'approve' },
            { name: '*', action: 'allow' },
          ],
          default: 'deny',
        },
        http: { approvals: { count: 1, groups: [adminGroup] }, approvalTimeout: '2m' },
        masking: { detectors: ['email', 'payment_card'] },
      },
    ],
  });
  log(`created policy ${TOOLS_POLICY}: ${subjects.join(' and ')} get ${TOOLS_CONNECTION} at once for at most 1h; drop_* denied, deploy held for ${adminGroup}, e-mails and cards masked`);
}
