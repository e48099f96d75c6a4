// HTTP connections through the gateway's HTTP port (docs/http.md), as real processes: a plain
// `http` target reached by a real HTTP client with a bearer token. One session per caller
// connection, the token stripped, streamed responses, refusals in one JSON shape, bad input that
// ends only its own connection, and a revoked grant cutting a response in the middle.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, eventually } from '@jitgate/testkit';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { call } from '../support/http-call.js';
import { HttpStack, replyPath, revokeAll, RUN_SA } from '../support/http-stack.js';

describe('HTTP connections through the gateway', () => {
  let hs: HttpStack;

  beforeAll(async () => {
    hs = await HttpStack.start('http_proxy', {
      guardrails: [
        {
          name: 'web-mask',
          match: { connection: { names: ['web'] } },
          masking: { columns: ['*secret*'], detectors: ['email'] },
          http: { rules: [{ paths: ['/held/**'], action: 'approve' }], approvals: { count: 1, groups: ['ops'] }, approvalTimeout: '30s' },
        },
      ],
    });
    await hs.stack.requestGrant('web');
    await hs.stack.requestGrant('web-raw');
  }, 180_000);

  afterAll(async () => {
    await hs?.dispose();
  });

  it('forwards a request with its path and query, strips the caller token, masks the answer and records it', async () => {
    const seenBefore = hs.plain.seen.length;
    const answer = await call(`${hs.connectionUrl('web')}/v1/things?size=2`, { token: hs.token, method: 'POST', body: 'hello' });
    expect(answer.status, answer.body).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body).toMatchObject({ method: 'POST', url: '/v1/things?size=2', bytes: 5 });
    expect(body.contact).not.toContain('support@example.com');
    const seen = hs.plain.seen.slice(seenBefore);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toBeUndefined();

    const [session] = await eventually(async () => {
      const all = await hs.sessions('web');
      return all.length > 0 ? all : undefined;
    });
    const events = await eventually(async () => {
      const found = (await hs.events(session!.id)).filter((e) => e.kind === 'request');
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({ kind: 'request', statement: 'POST /v1/things?size=2', commandTag: '200', outcome: 'ok' });
    expect(events[0]!.details).toMatchObject({ status: 200, bytesIn: 5, maskedValues: 1 });
  });

  it('serves plain curl, straight at the gateway and through jitgate connect', async () => {
    const curl = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('curl', ['-sS', '--max-time', '20', ...args]);
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const direct = await curl(['-H', `Authorization: Bearer ${hs.token}`, '-X', 'PUT', '--data-binary', 'abc', `${hs.connectionUrl('web-raw')}/things/1?v=2`]);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toMatchObject({ method: 'PUT', url: '/things/1?v=2', bytes: 3, contact: 'support@example.com' });
    const local = await hs.connectHttp('web');
    const viaCli = await curl([`${local.url}/things/2`]);
    expect(viaCli.code).toBe(0);
    const body = JSON.parse(viaCli.stdout);
    expect(body).toMatchObject({ method: 'GET', url: '/things/2' });
    expect(body.contact).not.toContain('support@example.com');
  });

  it('keeps one session per caller connection and identity', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = (await hs.sessions('web')).length;
    for (let i = 0; i < 3; i++) expect((await call(`${hs.connectionUrl('web')}/n/${i}`, { token: hs.token, agent })).status).toBe(200);
    const during = await eventually(async () => {
      const all = await hs.sessions('web');
      return all.length === before + 1 ? all : undefined;
    });
    expect(during.length).toBe(before + 1);
    // Another identity's request on the same pooled connection is its own session, under its own grant.
    const other = await createIdentity(hs.stack.admin(), { subject: 'mallory', groups: ['dev'] });
    const refused = await call(`${hs.connectionUrl('web')}/n/x`, { token: other.token, agent });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-jitgate-error']).toBe('no_grant');
    expect((await other.api.post('/v1/access-requests', { connection: 'web', duration: 600, reason: 'test' })).body.status).toBe('approved');
    expect((await call(`${hs.connectionUrl('web')}/n/y`, { token: other.token, agent })).status).toBe(200);
    expect((await call(`${hs.connectionUrl('web')}/n/z`, { token: hs.token, agent })).status).toBe(200);
    const sessions = await eventually(async () => {
      const all = await hs.sessions('web');
      return all.length === before + 2 ? all : undefined;
    });
    expect(new Set(sessions.slice(0, 2).map((s) => s.identityId)).size).toBe(2);
    agent.destroy();
  });

  it('refuses without a token, with a forged one, without a grant, and for unknown connections', async () => {
    const none = await call(`${hs.connectionUrl('web')}/x`);
    expect(none.status).toBe(401);
    // Google's JSON error shape, which the official clients read; the jitgate code is the reason.
    expect(JSON.parse(none.body)).toEqual({
      error: { code: 401, status: 'UNAUTHENTICATED', message: expect.stringMatching(/^jitgate: /), errors: [{ reason: 'unauthenticated', domain: 'jitgate', message: expect.any(String) }] },
    });
    expect(none.headers['x-jitgate-error']).toBe('unauthenticated');
    expect((await call(`${hs.connectionUrl('web')}/x`, { token: 'jg_forged_forged_forged_forged_forged_forged' })).status).toBe(401);
    const bob = await createIdentity(hs.stack.admin(), { subject: 'bob', groups: ['dev'] });
    const noGrant = await call(`${hs.connectionUrl('web')}/x`, { token: bob.token });
    expect(noGrant.status).toBe(403);
    expect(noGrant.headers['x-jitgate-error']).toBe('no_grant');
    expect((await call(`${hs.connectionUrl('nope')}/x`, { token: hs.token })).status).toBe(404);
    expect((await call(`${hs.gatewayUrl}/somewhere`, { token: hs.token })).status).toBe(404);
  });

  it('reaches a Cloud Run service with an ID token the agent minted for its audience; the caller never sees it', async () => {
    await hs.stack.requestGrant('reports');
    const seenBefore = hs.plain.seen.length;
    const answer = await call(`${hs.connectionUrl('reports')}/v1/report?month=11`, { token: hs.token });
    expect(answer.status, answer.body).toBe(200);
    const seen = hs.plain.seen.slice(seenBefore);
    expect(seen.map((s) => s.url)).toEqual(['/v1/report?month=11']);
    const idToken = /^Bearer (.+)$/.exec(seen[0]?.authorization ?? '')?.[1] ?? '';
    const { payload } = await jwtVerify(idToken, await importSPKI(hs.google.iam.idTokenPublicKeyPem, decodeProtectedHeader(idToken).alg ?? 'RS256'), { audience: hs.plain.url });
    expect(payload.email).toBe(RUN_SA);
    expect(answer.body).not.toContain(idToken);
    expect(JSON.stringify(answer.headers)).not.toContain(idToken);
  });

  it('refuses ambiguous paths before they reach the agent', async () => {
    const seenBefore = hs.plain.seen.length;
    for (const path of ['//evil.example/steal', '/a/../../admin', '/a/%2e%2e/admin']) {
      const answer = await call(`${hs.connectionUrl('web')}${path}`, { token: hs.token });
      expect(answer.status, path).toBe(403);
      expect(answer.headers['x-jitgate-error']).toBe('blocked');
    }
    expect(hs.plain.seen.length).toBe(seenBefore);
  });

  it('answers garbage with 400 and goes on serving others', async () => {
    const socket = net.connect(hs.stack.gateway.httpPort, '127.0.0.1');
    socket.write('NOT HTTP AT ALL\r\n\r\n');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(`${hs.connectionUrl('web')}/still`, { token: hs.token })).status).toBe(200);
  });

  it('streams a slow response as it comes when nothing is masked', async () => {
    const arrivals: number[] = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${hs.connectionUrl('web-raw')}/stream?count=5&everyMs=200`, { headers: { authorization: `Bearer ${hs.token}` }, agent: false }, (res) => {
          res.on('data', () => arrivals.push(Date.now() - started));
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // The first chunk came long before the last was written.
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThan(400);
  });

  it('streams server-sent events one by one, each masked', async () => {
    const events: Array<{ at: number; text: string }> = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${hs.connectionUrl('web')}/events?count=4&everyMs=200`, { headers: { authorization: `Bearer ${hs.token}` }, agent: false }, (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.on('data', (c: Buffer) => events.push({ at: Date.now() - started, text: c.toString() }));
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    const all = events.map((e) => e.text).join('');
    expect(all).toContain('id: 4');
    expect(all).not.toMatch(/ops\d@example\.com/);
    expect(events[events.length - 1]!.at - events[0]!.at).toBeGreaterThan(400);
  });

  // Masking fails closed (docs/http.md, "Masking"): what the gateway cannot read, it refuses.
  describe('masking that a hostile target or caller cannot get around', () => {
    const text = 'é call ann@example.com on monday';
    const curl = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('curl', ['-sS', '--max-time', '20', ...args]);
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('latin1')));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const lastSeen = () => hs.plain.seen[hs.plain.seen.length - 1]!;

    it('asks the target for the whole, unencoded body and masks it, when the caller asks for a range inside a character', async () => {
      // Byte 1 is inside "é": the rest of the text is not valid UTF-8 from there.
      const path = replyPath(text, { ranges: true });
      const got = await curl(['-i', '-H', `Authorization: Bearer ${hs.token}`, '-H', 'Range: bytes=1-', '-H', 'If-Range: "x"', '-H', 'Accept-Encoding: gzip', `${hs.connectionUrl('web')}${path}`]);
      expect(got.code).toBe(0);
      expect(got.stdout).toMatch(/^HTTP\/1\.1 200/);
      expect(got.stdout).not.toContain('ann@example.com');
      expect(Buffer.from(got.stdout, 'latin1').toString('utf8')).toContain('é call ');
      // On the target's side: no range, no condition, identity encoding.
      expect(lastSeen().headers).toMatchObject({ 'accept-encoding': 'identity' });
      expect(lastSeen().headers.range).toBeUndefined();
      expect(lastSeen().headers['if-range']).toBeUndefined();
      // Without masking the range is the caller's business: it passes.
      const raw = await call(`${hs.connectionUrl('web-raw')}${path}`, { token: hs.token, headers: { range: 'bytes=1-' } });
      expect(raw.status).toBe(206);
      expect(lastSeen().headers.range).toBe('bytes=1-');
    });

    it('refuses a partial answer the target sends anyway', async () => {
      const got = await call(`${hs.connectionUrl('web')}${replyPath(text.slice(1), { status: 206 })}`, { token: hs.token });
      expect(got.status).toBe(502);
      expect(got.headers['x-jitgate-error']).toBe('unmaskable_body');
      expect(got.body).not.toContain('ann@example.com');
    });

    it.each([
      ['text that is not UTF-8', Buffer.from('caf\xe9 ann@example.com', 'latin1'), { type: 'text/csv' }],
      ['bytes under a binary type', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ann@example.com', 'utf16le')]), { type: 'application/octet-stream' }],
      ['UTF-16 text without a byte order mark', Buffer.from('ann@example.com', 'utf16le'), { type: 'text/plain' }],
      ['a charset the gateway does not read', Buffer.from('ann+AEA-example.com'), { type: 'text/plain; charset=utf-7' }],
      ['an encoding the gateway does not decode', Buffer.from('ann@example.com'), { encoding: 'zstd' }],
      ['JSON that does not parse (a lenient reader would)', Buffer.from('{"secret_code": "4242", "contact": "ann@example.com",}'), { type: 'application/json' }],
      ['JSON with a key named twice', Buffer.from('{"contact": "ann@example.com", "contact": "x"}'), { type: 'application/json' }],
      ['a body that starts as text and stops being it', Buffer.concat([Buffer.from([0xe9]), Buffer.from(' ann@example.com')]), { type: 'text/plain', pad: 70_000 }],
    ] as const)('refuses %s with a 502 the caller can tell from the target', async (_name, body, options) => {
      const got = await call(`${hs.connectionUrl('web')}${replyPath(body, options)}`, { token: hs.token });
      expect(got.status, got.body.slice(0, 200)).toBe(502);
      expect(got.headers['x-jitgate-error']).toBe('unmaskable_body');
      expect(JSON.parse(got.body).error).toMatchObject({ code: 502, errors: [{ reason: 'unmaskable_body', domain: 'jitgate' }] });
      expect(got.body).not.toMatch(/ann(@|\+AEA-)example|4242/);
      expect(Buffer.from(got.body).includes(Buffer.from('ann@example.com', 'utf16le'))).toBe(false);
    });

    it('decodes a gzip answer the target sent despite identity, and masks it', async () => {
      const got = await call(`${hs.connectionUrl('web')}${replyPath(text, { encoding: 'gzip' })}`, { token: hs.token });
      expect(got.status).toBe(200);
      expect(got.headers['content-encoding']).toBeUndefined();
      expect(got.body).toContain('é call ');
      expect(got.body).not.toContain('ann@example.com');
    });

    it('masks JSON by property whatever type it is labelled with', async () => {
      const got = await call(`${hs.connectionUrl('web')}${replyPath('{"secret_code": "4242", "owner": "ann@example.com"}', { type: 'text/plain' })}`, { token: hs.token });
      expect(got.status).toBe(200);
      const body = JSON.parse(got.body);
      expect(body.secret_code).not.toBe('4242');
      expect(body.owner).not.toContain('ann@example.com');
    });

    it('ends an event stream at an event it cannot decode, never passing it or what follows', async () => {
      const stream = [Buffer.from('data: one\n\n'), Buffer.from('data: caf\xe9 ann@example.com\n\n', 'latin1'), Buffer.from('data: three bob@example.com\n\n')];
      let received = '';
      const how = await new Promise<string>((resolve) => {
        http
          .get(`${hs.connectionUrl('web')}${replyPath(stream, { type: 'text/event-stream' })}`, { headers: { authorization: `Bearer ${hs.token}` }, agent: false }, (res) => {
            res.on('data', (c: Buffer) => (received += c.toString('latin1')));
            res.on('end', () => resolve('ended'));
            res.on('error', () => resolve('cut'));
            res.on('aborted', () => resolve('cut'));
          })
          .on('error', () => resolve('cut'));
      });
      expect(how).toBe('cut');
      expect(received).toContain('data: one');
      expect(received).not.toContain('example.com');
      const gzipped = await call(`${hs.connectionUrl('web')}${replyPath('data: ann@example.com\n\n', { type: 'text/event-stream', encoding: 'gzip' })}`, { token: hs.token });
      expect(gzipped.status).toBe(502);
      expect(gzipped.headers['x-jitgate-error']).toBe('unmaskable_body');
    });

    it('masks JSON event data by the same rules as a JSON body', async () => {
      const got = await call(`${hs.connectionUrl('web')}${replyPath('data: {"secret_code": "4242", "note": "mail ann@example.com"}\n\n', { type: 'text/event-stream' })}`, { token: hs.token });
      expect(got.status).toBe(200);
      const data = JSON.parse(/^data: (.*)$/m.exec(got.body)![1]!);
      expect(data.secret_code).not.toBe('4242');
      expect(data.note).toMatch(/^mail (?!ann@example\.com)/);
    });
  });

  it('shows the approver of a held request its body as it will be sent, and sends exactly that once', async () => {
    const approver = await createIdentity(hs.stack.admin(), { subject: 'oscar-ops', groups: ['ops'] });
    const pendingFor = (probe: string) =>
      eventually(async () => {
        const queue = await approver.api.get('/v1/access-requests?status=pending');
        return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && String(r.statement).includes(probe));
      }, 15_000);
    const seenBefore = hs.plain.seen.length;
    const body = '{"service": "billing", "force": true}';
    const held = call(`${hs.connectionUrl('web')}/held/deploy`, { token: hs.token, method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const request = await pendingFor('/held/deploy');
    expect(request.statement).toBe(`POST /held/deploy\n${body}`);
    expect(hs.plain.seen.length).toBe(seenBefore);
    expect((await approver.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'ok' })).status).toBe(200);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', url: '/held/deploy', bytes: Buffer.byteLength(body) });
    expect(hs.plain.seen.slice(seenBefore).map((s) => s.url)).toEqual(['/held/deploy']);
    // A body that cannot be shown whole as text is not put before an approver.
    const binary = await call(`${hs.connectionUrl('web')}/held/upload`, { token: hs.token, method: 'PUT', body: Buffer.from([0xff, 0x00, 0xfe]) });
    expect(binary.status).toBe(403);
    expect(binary.headers['x-jitgate-error']).toBe('blocked');
    expect(hs.plain.seen.slice(seenBefore).map((s) => s.url)).toEqual(['/held/deploy']);
  });

  it('cuts a response mid-stream when the grant is revoked, and ends the session so', async () => {
    let received = '';
    const cut = new Promise<string>((resolve) => {
      http
        .get(`${hs.connectionUrl('web-raw')}/stream?count=200&everyMs=50`, { headers: { authorization: `Bearer ${hs.token}` }, agent: false }, (res) => {
          res.on('data', (c: Buffer) => (received += c.toString()));
          res.on('end', () => resolve('ended'));
          res.on('error', () => resolve('cut'));
          res.on('aborted', () => resolve('cut'));
        })
        .on('error', () => resolve('cut'));
    });
    await eventually(async () => received.includes('chunk 3'), 10_000);
    await revokeAll(hs, 'web-raw');
    expect(await cut).toBe('cut');
    expect(received).not.toContain('chunk 200');
    const sessions = await eventually(async () => {
      const all = await hs.sessions('web-raw');
      return all.some((s) => s.endReason === 'grant_revoked') ? all : undefined;
    });
    expect(sessions.some((s) => s.endReason === 'grant_revoked')).toBe(true);
  });
});
