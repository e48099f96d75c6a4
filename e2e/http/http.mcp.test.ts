// MCP servers through the gateway (docs/http.md, "MCP"), as real processes and real SDKs: the
// official MCP client talks streamable HTTP to the gateway, the agent carries it to a server
// built with the official SDK. tools/list hides what the caller may not call, a denied call is a
// JSON-RPC error that never reaches the server, a held call runs once an approver says so,
// results are masked, every call is recorded, and the grant's end cuts a call mid-stream.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createIdentity, eventually, sleep, type TestIdentity } from '@jitgate/testkit';
import { call as httpCall } from '../support/http-call.js';
import { HttpStack, replyPath, revokeAll } from '../support/http-stack.js';

const GUARDRAILS = [
  {
    name: 'tools-policy',
    match: { connection: { names: ['tools'] } },
    mcp: {
      tools: [
        { name: 'drop_*', action: 'deny' },
        { name: 'deploy', action: 'approve' },
        { name: '*', action: 'allow' },
      ],
      resources: [{ uri: 'docs://*', action: 'allow' }],
      default: 'deny',
    },
    http: { approvals: { count: 1, groups: ['ops'] }, approvalTimeout: '30s' },
    masking: { detectors: ['email', 'payment_card'] },
  },
  {
    // An MCP connection to a server that answers anything (the plain target's /reply).
    name: 'hostile-server',
    match: { connection: { names: ['tools-hostile'] } },
    masking: { columns: ['*secret*'], detectors: ['email'] },
  },
];

for (const mode of ['sse', 'json'] as const) {
  describe(`MCP through the gateway (server answers in ${mode})`, () => {
    let hs: HttpStack;
    let approver: TestIdentity;
    let client: Client;

    const connect = async (token = hs.token): Promise<Client> => {
      const c = new Client({ name: 'e2e-agent', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(hs.connectionUrl('tools')), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return c;
    };

    beforeAll(async () => {
      hs = await HttpStack.start(`http_mcp_${mode}`, { guardrails: GUARDRAILS, mcpJson: mode === 'json' });
      approver = await createIdentity(hs.stack.admin(), { subject: 'olga-ops', groups: ['ops'] });
      await hs.stack.requestGrant('tools');
      client = await connect();
    }, 180_000);

    afterAll(async () => {
      await client?.close();
      await hs?.dispose();
    });

    it('lists only the tools the caller may call', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['count_slowly', 'deploy', 'lookup_customer']);
    });

    it('masks tool results and records the call with its arguments', async () => {
      const result = await client.callTool({ name: 'lookup_customer', arguments: { name: 'Ann' } });
      const text = JSON.stringify(result);
      expect(text).not.toContain('ann@example.com');
      expect(text).not.toContain('4111 1111 1111 1111');
      expect(text).toContain('gold');
      expect(hs.mcp.calls).toContain('lookup_customer:Ann');
      // The SDK's fetch may use more than one connection, each its own session: look in all.
      const events = await eventually(async () => {
        const found: Array<Record<string, any>> = [];
        for (const session of await hs.sessions('tools')) found.push(...(await hs.events(session.id)).filter((e) => e.statement === 'tools/call lookup_customer'));
        return found.length > 0 ? found : undefined;
      });
      expect(events[0]).toMatchObject({ kind: 'request', outcome: 'ok', parameters: ['{"name":"Ann"}'] });
      expect(events[0]!.details.maskedValues).toBeGreaterThan(0);
    });

    it('refuses a denied tool with a JSON-RPC error; the server never sees it', async () => {
      await expect(client.callTool({ name: 'drop_table', arguments: { table: 'orders' } })).rejects.toMatchObject({ code: -32010 });
      expect(hs.mcp.calls.some((c) => c.startsWith('drop_table'))).toBe(false);
    });

    it('holds deploy until an approver approves it through the REST API, then runs it once', async () => {
      const call = client.callTool({ name: 'deploy', arguments: { service: 'billing' } });
      const request = await eventually(async () => {
        const queue = await approver.api.get('/v1/access-requests?status=pending');
        return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && String(r.statement).startsWith('tools/call deploy'));
      }, 15_000);
      expect(hs.mcp.calls).not.toContain('deploy:billing');
      expect((await approver.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'go' })).status).toBe(200);
      const result = await call;
      expect(JSON.stringify(result)).toContain('deployed billing');
      expect(hs.mcp.calls.filter((c) => c === 'deploy:billing')).toHaveLength(1);
    });

    it('answers a denied approval with a JSON-RPC error naming the request', async () => {
      const call = client.callTool({ name: 'deploy', arguments: { service: 'payroll' } });
      const request = await eventually(async () => {
        const queue = await approver.api.get('/v1/access-requests?status=pending');
        return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && String(r.statement).includes('payroll'));
      }, 15_000);
      await approver.api.post(`/v1/access-requests/${request.id}/deny`, { comment: 'not today' });
      await expect(call).rejects.toMatchObject({ code: -32010, message: expect.stringContaining(request.id) });
      expect(hs.mcp.calls).not.toContain('deploy:payroll');
    });

    describe('an approval is for one call', () => {
      const pending = async (probe: (r: Record<string, any>) => boolean) =>
        eventually(async () => {
          const queue = await approver.api.get('/v1/access-requests?status=pending');
          return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && probe(r));
        }, 15_000);
      const post = (body: string) =>
        httpCall(hs.connectionUrl('tools'), { token: hs.token, method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } });

      it('shows the approver the tool and its arguments as sent; runs exactly that call once; the same request again needs its own approval', async () => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: 'deploy-once', method: 'tools/call', params: { name: 'deploy', arguments: { service: 'ledger', notify: 'ann@example.com' } } });
        const first = post(body);
        const request = await pending((r) => String(r.statement).includes('ledger'));
        // The approver reads what will run: not masked for the caller's sake, not cut.
        expect(request.statement).toBe('tools/call deploy {"service":"ledger","notify":"ann@example.com"}');
        expect(hs.mcp.calls).not.toContain('deploy:ledger');
        expect((await approver.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'once' })).status).toBe(200);
        const answered = await first;
        expect(answered.status).toBe(200);
        expect(answered.body).toContain('deployed ledger');
        expect(hs.mcp.calls.filter((c) => c === 'deploy:ledger')).toHaveLength(1);

        // The same bytes, the same JSON-RPC id: a new request in the queue, not the old approval.
        const replay = post(body);
        const again = await pending((r) => String(r.statement).includes('ledger') && r.id !== request.id);
        expect(hs.mcp.calls.filter((c) => c === 'deploy:ledger')).toHaveLength(1);
        // Another call while that one waits: its own request too.
        const other = post(JSON.stringify({ jsonrpc: '2.0', id: 'deploy-other', method: 'tools/call', params: { name: 'deploy', arguments: { service: 'ledger-2' } } }));
        const otherRequest = await pending((r) => String(r.statement).includes('ledger-2'));
        for (const r of [again, otherRequest]) expect((await approver.api.post(`/v1/access-requests/${r.id}/deny`, { comment: 'no' })).status).toBe(200);
        expect(JSON.parse((await replay).body).error).toMatchObject({ code: -32010 });
        expect(JSON.parse((await other).body).error).toMatchObject({ code: -32010 });
        expect(hs.mcp.calls.filter((c) => c.startsWith('deploy:ledger'))).toEqual(['deploy:ledger']);
        // The first approval is spent: approving it again is refused and runs nothing.
        expect((await approver.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'again' })).status).toBeGreaterThanOrEqual(400);
        expect(hs.mcp.calls.filter((c) => c.startsWith('deploy:ledger'))).toEqual(['deploy:ledger']);
      });

      it('refuses a call whose JSON another server could read as a different call (a key named twice, bytes that are not UTF-8)', async () => {
        const before = hs.mcp.calls.length;
        // Read last-wins, this is an approvable deploy; a first-wins server would drop a table.
        const twice = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"drop_table","arguments":{"table":"orders","service":"x"},"name":"deploy"}}';
        const refused = await post(twice);
        expect(refused.status).toBe(400);
        expect(JSON.parse(refused.body).error.code).toBe(-32600);
        const notUtf8 = await httpCall(hs.connectionUrl('tools'), {
          token: hs.token,
          method: 'POST',
          body: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"deploy","arguments":{"service":"'), Buffer.from([0xc0, 0xa2]), Buffer.from('"}}}')]),
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
        expect(notUtf8.status).toBe(400);
        expect(hs.mcp.calls.length).toBe(before);
        const queue = await approver.api.get('/v1/access-requests?status=pending');
        expect((queue.body.items as Array<Record<string, any>>).filter((r) => r.kind === 'statement')).toEqual([]);
      });
    });

    describe('masking of what an MCP server answers fails closed', () => {
      const request = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'anything', arguments: {} } });
      const ask = (path: string) =>
        httpCall(`${hs.connectionUrl('tools-hostile')}${path}`, {
          token: hs.token,
          method: 'POST',
          body: request,
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
      const result = (text: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }], structuredContent: { secret_code: '4242' } } });

      beforeAll(async () => {
        await hs.stack.requestGrant('tools-hostile');
      });

      it('masks a JSON answer the server gzipped although the gateway asked for identity', async () => {
        const got = await ask(replyPath(result('mail ann@example.com'), { type: 'application/json', encoding: 'gzip' }));
        expect(got.status).toBe(200);
        const answer = JSON.parse(got.body);
        expect(answer.result.content[0].text).toMatch(/^mail (?!ann@example\.com)/);
        expect(answer.result.structuredContent.secret_code).not.toBe('4242');
      });

      it.each([
        ['an answer that is not UTF-8', Buffer.concat([Buffer.from(result('caf')), Buffer.from('\xe9 ann@example.com', 'latin1')]), 'application/json'],
        ['an answer that is not JSON-RPC', Buffer.from('secret_code=4242 ann@example.com'), 'text/plain'],
      ] as const)('refuses %s with a 502', async (_name, body, type) => {
        const got = await ask(replyPath(body, { type }));
        expect(got.status).toBe(502);
        expect(got.headers['x-jitgate-error']).toBe('unmaskable_body');
        expect(got.body).not.toMatch(/ann@example\.com|4242/);
      });

      it('ends an event stream at an event it cannot read, passing nothing of it or after it', async () => {
        const events = [
          `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'step 1' } })}\n\n`,
          'data: secret_code=4242 ann@example.com\n\n',
          `data: ${result('bob@example.com')}\n\n`,
        ];
        for (const broken of [events, [events[0]!, Buffer.from('data: {"x": "caf\xe9 ann@example.com"}\n\n', 'latin1'), events[2]!]]) {
          let received = '';
          const how = await new Promise<string>((resolve) => {
            const req = http.request(
              `${hs.connectionUrl('tools-hostile')}${replyPath(broken, { type: 'text/event-stream' })}`,
              { method: 'POST', headers: { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, agent: false },
              (res) => {
                res.on('data', (c: Buffer) => (received += c.toString('latin1')));
                res.on('end', () => resolve('ended'));
                res.on('error', () => resolve('cut'));
              },
            );
            req.on('error', () => resolve('cut'));
            req.end(request);
          });
          expect(how).toBe('cut');
          expect(received).toContain('step 1');
          expect(received).not.toMatch(/example\.com|4242/);
        }
      });
    });

    it('lets one identity have at most 5 calls waiting for approval; a sixth is refused at once', async () => {
      const calls = Array.from({ length: 6 }, (_, i) =>
        client.callTool({ name: 'deploy', arguments: { service: `svc-${i}` } }).then(
          () => 'ran',
          (error: Error) => error.message,
        ),
      );
      const waiting = await eventually(async () => {
        const queue = await approver.api.get('/v1/access-requests?status=pending');
        const mine = (queue.body.items as Array<Record<string, any>>).filter((r) => r.kind === 'statement' && String(r.statement).includes('svc-'));
        return mine.length === 5 ? mine : undefined;
      }, 15_000);
      const refused = await Promise.race(calls);
      expect(refused).toMatch(/already waiting for approval/);
      for (const request of waiting) await approver.api.post(`/v1/access-requests/${request.id}/deny`, { comment: 'no' });
      const outcomes = await Promise.all(calls);
      expect(outcomes.filter((o) => /already waiting/.test(o))).toHaveLength(1);
      expect(outcomes.filter((o) => /denied/.test(o))).toHaveLength(5);
      expect(hs.mcp.calls.some((c) => c.startsWith('deploy:svc-'))).toBe(false);
    });

    it('reads an allowed resource, masked', async () => {
      const { contents } = await client.readResource({ uri: 'docs://handbook' });
      expect(JSON.stringify(contents)).not.toContain('ops@example.com');
    });

    it('cuts a long call when the grant is revoked; nothing more arrives and new calls are refused', async () => {
      let steps = 0;
      client.setNotificationHandler(LoggingMessageNotificationSchema, () => {
        steps += 1;
      });
      // A short request timeout: in SSE mode the SDK waits to resume a cut stream instead of failing the call.
      const call = client.callTool({ name: 'count_slowly', arguments: { to: 100, everyMs: 100 } }, undefined, { timeout: 5_000 });
      call.catch(() => {});
      await eventually(async () => (mode === 'sse' ? steps >= 3 : hs.mcp.calls.includes('count_slowly:100')), 10_000);
      await revokeAll(hs, 'tools');
      await expect(call).rejects.toBeDefined();
      const seen = steps;
      await sleep(500);
      expect(steps).toBe(seen);
      expect(steps).toBeLessThan(100);
      const sessions = await eventually(async () => {
        const all = await hs.sessions('tools');
        return all.some((s) => s.endReason === 'grant_revoked') ? all : undefined;
      });
      expect(sessions.length).toBeGreaterThan(0);
      await expect(client.callTool({ name: 'lookup_customer', arguments: { name: 'Bob' } })).rejects.toThrow(/403|no_grant|no grant/);
      expect(hs.mcp.calls).not.toContain('lookup_customer:Bob');
    });
  });
}
