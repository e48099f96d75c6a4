// `jitgate connect` for HTTP connections (bigquery here), against a stand-in of the gateway's
// HTTP port and of the REST API, with real sockets: the token replaces the client's
// Authorization, the path gets its /c/<connection> prefix, queries and statuses pass, bodies
// stream both ways (an answer's first chunk arrives before the gateway finishes it; a 32 MB
// upload reaches the gateway while it is still being sent), connections to the gateway are
// kept alive, a gateway that is down is a 502, and the grant's end stops it. The token is never printed.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayHttpStandIn } from './support/gateway-http.stand-in.js';
import { RestStandIn, type CheckAnswer } from './support/rest.stand-in.js';
import { runCliOnce, startCli, type InProcessRun } from './support/run-cli.js';

const TOKEN = 'jg_HTTP-TOKEN-THAT-MUST-NEVER-BE-PRINTED-0123';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

let gateway: GatewayHttpStandIn;
let rest: RestStandIn;
let env: Record<string, string>;
const running: InProcessRun[] = [];

beforeAll(async () => {
  gateway = new GatewayHttpStandIn({ token: TOKEN, connections: ['analytics'] });
  rest = new RestStandIn({ token: TOKEN, checks: {}, request: { initial: 'approved' }, grants: [], types: { analytics: 'bigquery' } });
  env = { JITGATE_URL: await rest.start(), JITGATE_TOKEN: TOKEN, JITGATE_HTTP_PROXY: await gateway.start() };
});

afterAll(async () => {
  await gateway.stop();
  await rest.stop();
});

afterEach(async () => {
  gateway.release();
  for (const run of running.splice(0)) {
    run.interrupt();
    await run.exit;
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
  }
});

async function serve(checks: CheckAnswer[] = [{ allowed: true, expiresAt: inAnHour() }], extra: string[] = [], track = true): Promise<{ run: InProcessRun; base: string }> {
  rest.state.checks['analytics'] = checks;
  const run = startCli(['connect', 'analytics', '--port', '0', ...extra], env);
  if (track) running.push(run);
  const match = await run.stdout.waitFor(/Serving analytics \(bigquery\) at (http:\/\/127\.0\.0\.1:\d+) /);
  return { run, base: match[1] as string };
}

/** GET with node's http client, resolving at the first body chunk (the rest comes later). */
function firstChunk(url: string): Promise<{ res: http.IncomingMessage; first: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => res.once('data', (chunk: Buffer) => resolve({ res, first: chunk.toString() }))).on('error', reject);
  });
}

describe('jitgate connect (HTTP connections)', () => {
  it('prints the local URL, the type and the grant expiry', async () => {
    const { run, base } = await serve();
    expect(run.stdout.text).toMatch(
      new RegExp(
        `^Serving analytics \\(bigquery\\) at ${base} — use it as the client's API endpoint \\(through ${env.JITGATE_HTTP_PROXY}/c/analytics; grant expires \\S+Z, in 59m 5\\ds\\)\\. Ctrl-C to stop\\.\\n`,
      ),
    );
    expect(run.stdout.text).toContain(`new BigQuery({ projectId, apiEndpoint: '${base}' })`);
    expect(rest.seen.map((r) => r.url)).toContain('/v1/connections?name=analytics');
  });

  it('replaces the Authorization, prefixes the path, keeps the query, the status and the headers', async () => {
    const { base } = await serve();
    const response = await fetch(`${base}/bigquery/v2/projects/acme/queries?prettyPrint=false&q=a%20b`, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.the-clients-own', 'content-type': 'application/json' },
      body: '{"query":"SELECT 1"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-target-header')).toBe('kept');
    expect(await response.json()).toMatchObject({ method: 'POST', path: '/bigquery/v2/projects/acme/queries', query: '?prettyPrint=false&q=a%20b', length: 20, contentType: 'application/json' });
    const seen = gateway.seen.at(-1);
    expect(seen?.url).toBe('/c/analytics/bigquery/v2/projects/acme/queries?prettyPrint=false&q=a%20b');
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect((await fetch(`${base}/created`, { method: 'PUT', body: 'x' })).status).toBe(201);
  });

  it("rewrites a Location in the gateway's terms to the local URL (a resumable upload's session URI)", async () => {
    const { base } = await serve();
    expect((await fetch(`${base}/session`)).headers.get('location')).toBe(`${base}/upload?upload_id=1`);
    expect((await fetch(`${base}/session?relative=1`)).headers.get('location')).toBe(`${base}/upload?upload_id=1`);
  });

  it('keeps its connection to the gateway alive between requests', async () => {
    const { base } = await serve();
    await (await fetch(`${base}/echo/1`)).text();
    await (await fetch(`${base}/echo/2`)).text();
    const [a, b] = gateway.seen.slice(-2);
    expect(a?.clientPort).toBeDefined();
    expect(b?.clientPort).toBe(a?.clientPort);
  });

  it('streams an answer: the first event arrives before the gateway has finished', async () => {
    const { base } = await serve();
    const { res, first } = await firstChunk(`${base}/stream`);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(first).toBe('data: first\n\n');
    const rest: Buffer[] = [];
    res.on('data', (chunk: Buffer) => rest.push(chunk));
    const ended = new Promise<void>((resolve) => res.once('end', resolve));
    gateway.release();
    await ended;
    expect(Buffer.concat(rest).toString()).toBe('data: last\n\n');
  });

  it('streams a 32 MB upload: the gateway receives bytes while the client is still sending', async () => {
    const { base } = await serve();
    const chunk = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    async function* body() {
      for (let i = 0; i < 32; i++) {
        // Half-way, wait until the gateway has bytes: a proxy that buffered the body would hang here.
        if (i === 16) await expect.poll(() => gateway.uploaded, { timeout: 10_000 }).toBeGreaterThan(0);
        hash.update(chunk);
        yield chunk;
      }
    }
    gateway.uploaded = 0;
    const response = await fetch(`${base}/upload`, { method: 'POST', body: Readable.toWeb(Readable.from(body())) as ReadableStream, duplex: 'half' } as RequestInit);
    expect(await response.json()).toMatchObject({ length: 32 * 1024 * 1024, sha256: hash.digest('hex') });
  });

  it('answers 502 with a JSON body when the gateway cannot be reached', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { run, base } = await serve(undefined, ['--http-proxy', `http://127.0.0.1:${deadPort}`]);
    const response = await fetch(`${base}/bigquery/v2/projects/acme/queries`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-jitgate-error')).toBe('gateway_unreachable');
    expect(await response.json()).toEqual({
      error: { code: 'gateway_unreachable', message: `jitgate connect cannot reach the gateway's HTTP port at http://127.0.0.1:${deadPort}: connection refused` },
    });
    await run.stderr.waitFor(/POST \/bigquery\/v2\/projects\/acme\/queries: cannot reach the gateway's HTTP port/);
  });

  it('stops when the grant expires: the listener closes and a request in progress is cut (exit 3)', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { run, base } = await serve(
      [
        { allowed: true, expiresAt },
        { allowed: false, expiresAt: null },
      ],
      [],
      false,
    );
    const { res } = await firstChunk(`${base}/stream`);
    const cut = new Promise<string>((resolve) => {
      res.once('error', (error) => resolve(error.message));
      res.once('end', () => resolve('ended'));
    });
    expect(await run.exit).toBe(3);
    expect(await cut).toMatch(/aborted/);
    expect(run.stderr.text).toMatch(new RegExp(`^jitgate: the grant for analytics expired at \\S+Z; stopped serving ${base}: cut 1 request\\(s\\) in progress\\. Request a new grant`, 'm'));
    await expect(fetch(`${base}/echo`)).rejects.toThrow();
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
  });

  it('re-checks at once when the gateway answers no_grant, and stops if the grant was revoked (exit 3)', async () => {
    const { run, base } = await serve(
      [
        { allowed: true, expiresAt: inAnHour() },
        { allowed: false, expiresAt: null },
      ],
      [],
      false,
    );
    const response = await fetch(`${base}/no-grant`);
    expect(response.status).toBe(403);
    expect(await run.exit).toBe(3);
    expect(run.stderr.text).toMatch(/^jitgate: the grant for analytics is no longer in force \(revoked or released\); stopped serving/m);
  });

  it('stops cleanly on Ctrl-C (exit 0)', async () => {
    const { run, base } = await serve(undefined, [], false);
    run.interrupt();
    expect(await run.exit).toBe(0);
    expect(run.stdout.text).toMatch(/Stopped\.\n$/);
    await expect(fetch(`${base}/echo`)).rejects.toThrow();
  });

  it('refuses --once and a --ca without TLS for an HTTP connection (exit 1)', async () => {
    rest.state.checks['analytics'] = [{ allowed: true, expiresAt: inAnHour() }];
    expect((await runCliOnce(['connect', 'analytics', '--once'], env)).stderr).toMatch(/--once is for TCP connections; analytics is a bigquery connection/);
    const result = await runCliOnce(['connect', 'analytics', '--ca', 'package.json'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--ca needs --tls/);
  });
});
