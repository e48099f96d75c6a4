// The MCP demo's server (`node --test scripts/*.test.mjs`, run by `pnpm test`): the official SDK,
// stateless and answering in JSON, so that the README's curl lines work as printed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDemoMcpServer } from './dev-demo-mcp.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let server;

before(async () => {
  server = await startDemoMcpServer(repo);
});
after(() => server?.close());

async function rpc(method, params) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return res.json();
}

test('lists its three tools without an initialize first, as curl calls it', async () => {
  const answer = await rpc('tools/list');
  assert.deepEqual(answer.result.tools.map((t) => t.name).sort(), ['deploy', 'drop_table', 'lookup_customer']);
});

test('answers lookup_customer with the data the demo policy masks, and records the call', async () => {
  const answer = await rpc('tools/call', { name: 'lookup_customer', arguments: { name: 'ada' } });
  assert.match(answer.result.content[0].text, /ada@example\.com/);
  assert.equal(answer.result.structuredContent.customer.card, '4111 1111 1111 1111');
  assert.deepEqual(server.calls, ['lookup_customer ada']);
});
