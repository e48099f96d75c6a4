// `jitgate connect` against a stand-in of the gateway's listener and REST API, with real
// sockets: bytes intact both ways, half-closes passed through, refusals mapped to messages and
// exit codes, grant expiry, revocation, Ctrl-C. The token must never be printed.
// TLS to the listener: connect-tls.test.ts.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayListenerStandIn } from './support/gateway-listener.stand-in.js';
import { exchange, sha256 } from './support/local-client.js';
import { RestStandIn } from './support/rest.stand-in.js';
import { runCliOnce, startCli, type InProcessRun } from './support/run-cli.js';

const TOKEN = 'jg_TOKEN-THAT-MUST-NEVER-BE-PRINTED-0123456789';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

let listener: GatewayListenerStandIn;
let rest: RestStandIn;
let env: Record<string, string>;
const running: InProcessRun[] = [];

beforeAll(async () => {
  listener = new GatewayListenerStandIn({
    token: TOKEN,
    connections: {
      'echo-db': 'echo',
      'banner-db': 'banner',
      'reply-db': 'reply-after-fin',
      'fin-db': 'fin-first',
      'revoked-db': { status: 403, code: 'no_grant', message: 'no grant in force for this identity and connection' },
      'agentless-db': { status: 503, code: 'no_agent', message: 'no agent of group "default" is connected' },
      'unreachable-db': { status: 502, code: 'target_unreachable', message: 'connect ECONNREFUSED 10.0.0.5:5432' },
    },
  });
  await listener.start();
  rest = new RestStandIn({ token: TOKEN, checks: {}, request: { initial: 'approved' }, grants: [] });
  const url = await rest.start();
  env = { JITGATE_URL: url, JITGATE_TOKEN: TOKEN, JITGATE_PROXY: listener.address };
});

afterAll(async () => {
  await listener.stop();
  await rest.stop();
});

afterEach(async () => {
  for (const run of running.splice(0)) {
    run.interrupt();
    await run.exit;
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
  }
});

function grantFor(connection: string, expiresAt = inAnHour()) {
  rest.state.checks[connection] = [{ allowed: true, expiresAt }];
}

async function forward(connection: string, extra: string[] = [], envOverride: Record<string, string> = {}): Promise<{ run: InProcessRun; port: number }> {
  grantFor(connection);
  const run = startCli(['connect', connection, '--port', '0', ...extra], { ...env, ...envOverride });
  running.push(run);
  const match = await run.stdout.waitFor(/Forwarding [\d.]+:(\d+) → /);
  return { run, port: Number(match[1]) };
}

describe('jitgate connect', () => {
  it('prints the port it picked for --port 0, with the grant expiry', async () => {
    const { run, port } = await forward('echo-db');
    expect(port).toBeGreaterThan(0);
    expect(run.stdout.text).toMatch(
      new RegExp(`^Forwarding 127\\.0\\.0\\.1:${port} → echo-db through ${listener.address} \\(grant expires \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, in 59m 5\\ds\\)\\. Ctrl-C to stop\\.\\n$`),
    );
    expect(rest.seen.at(-2)).toMatchObject({ method: 'GET', url: '/v1/grants/check?connection=echo-db', authorization: `Bearer ${TOKEN}` });
    // Then the connection's type, which decides TCP forwarding (tcp) or a local URL (HTTP types).
    expect(rest.seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/connections?name=echo-db' });
  });

  it('carries 10 MB both ways intact, with backpressure', async () => {
    const { port } = await forward('echo-db');
    const data = randomBytes(10 * 1024 * 1024);
    const result = await exchange(port, data);
    expect(result.received.length).toBe(data.length);
    expect(sha256(result.received)).toBe(sha256(data));
    expect(result.sawEnd).toBe(true);
    expect(listener.handshakes.at(-1)).toBe(`JITGATE/1 CONNECT echo-db ${TOKEN}`);
  });

  it("passes the client's FIN to the gateway and still delivers what comes back after it", async () => {
    const { run, port } = await forward('reply-db');
    const result = await exchange(port, 'x'.repeat(1000));
    expect(result.received.toString()).toBe('got 1000 bytes, bye\n');
    expect(result.sawEnd).toBe(true);
    await run.stdout.waitFor(/\[1\] closed by the local client \(1\.0 kB sent, 20 B received\)/);
  });

  it("passes the gateway's FIN to the client and still carries what the client sends after it", async () => {
    const { port } = await forward('fin-db');
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once('end', resolve));
    expect(Buffer.concat(received).toString()).toBe('hello\n');
    // Our side is still open: write after the far end's FIN, then close.
    socket.end('still here');
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await expect.poll(() => listener.afterFin.map(String)).toContain('still here');
  });

  it('delivers bytes that arrive in the same packet as the 200 answer', async () => {
    const { port } = await forward('banner-db');
    const result = await exchange(port, 'ping\n');
    expect(result.received.toString()).toBe('WELCOME\nping\n');
  });

  it('serves several local connections at once, each its own session', async () => {
    const { run, port } = await forward('echo-db');
    const payloads = ['a', 'b', 'c'].map((c) => c.repeat(100_000));
    const results = await Promise.all(payloads.map((p) => exchange(port, p)));
    expect(results.map((r) => r.received.toString())).toEqual(payloads);
    await run.stdout.waitFor(/\[3\] closed/);
    expect(run.stdout.text.match(/connected: session sess-\d+/g)).toHaveLength(3);
  });

  it('refuses before listening when there is no active grant (exit 3)', async () => {
    rest.state.checks['orders-db'] = [{ allowed: false, expiresAt: null }];
    const result = await runCliOnce(['connect', 'orders-db'], env);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^jitgate: no active grant for orders-db — request one with POST \/v1\/access-requests .*\n$/);
    expect(result.stderr + result.stdout).not.toContain(TOKEN);
  });

  it.each([
    [
      'revoked-db',
      3,
      /\[1\] 127\.0\.0\.1:\d+ refused: no active grant for revoked-db — request one with POST \/v1\/access-requests .*\(gateway: 403 no_grant "no grant in force for this identity and connection"\)/,
    ],
    ['agentless-db', 4, /refused: no agent that serves agentless-db is connected to the gateway \(gateway: 503 no_agent/],
    ['unreachable-db', 4, /refused: the agent could not reach the target of unreachable-db \(gateway: 502 target_unreachable "connect ECONNREFUSED 10\.0\.0\.5:5432"\)/],
    ['missing-db', 1, /refused: no connection named missing-db that jitgate connect can reach .*\(gateway: 404 not_found/],
  ])('maps the gateway refusing %s to a clear line and exit code %i (--once)', async (connection, code, message) => {
    grantFor(connection);
    const run = startCli(['connect', connection, '--port', '0', '--once'], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    const result = await exchange(Number(port), 'hello');
    expect(result.received.length).toBe(0);
    expect(await run.exit).toBe(code);
    expect(run.stderr.text).toMatch(message);
    expect(run.stderr.text.trim().split('\n')).toHaveLength(1);
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
  });

  it('maps a token the listener rejects to exit 2', async () => {
    grantFor('echo-db');
    // The REST stand-in accepts TOKEN only; make a listener that knows another token.
    const other = new GatewayListenerStandIn({ token: 'jg_another', connections: { 'echo-db': 'echo' } });
    await other.start();
    const run = startCli(['connect', 'echo-db', '--port', '0', '--once', '--proxy', other.address], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    await exchange(Number(port), 'hello');
    expect(await run.exit).toBe(2);
    expect(run.stderr.text).toMatch(/the gateway did not accept JITGATE_TOKEN \(gateway: 401 unauthenticated/);
    expect(run.stderr.text).not.toContain(TOKEN);
    await other.stop();
  });

  it('reports a listener that does not answer as unavailable (exit 4)', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    grantFor('echo-db');
    const run = startCli(['connect', 'echo-db', '--port', '0', '--once', '--proxy', `127.0.0.1:${deadPort}`], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    await exchange(Number(port), 'hello');
    expect(await run.exit).toBe(4);
    expect(run.stderr.text).toContain(`cannot reach the gateway's listener at 127.0.0.1:${deadPort}: connection refused`);
  });

  it('says the gateway ended the session when the grant expires, and exits 3', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    rest.state.checks['echo-db'] = [
      { allowed: true, expiresAt },
      { allowed: false, expiresAt: null },
    ];
    const run = startCli(['connect', 'echo-db', '--port', '0'], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    await run.stdout.waitFor(/\[1\] .* connected: session/);
    // The gateway ends the grant's sessions at its expiry.
    setTimeout(() => listener.endAllSessions(), Date.parse(expiresAt) - Date.now() + 50);
    expect(await run.exit).toBe(3);
    expect(run.stdout.text).toMatch(/\[1\] the gateway ended the session: the grant expired at \S+Z/);
    expect(run.stderr.text).toMatch(/^jitgate: the grant for echo-db expired at \S+Z; the gateway ended the session\(s\)/m);
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
    socket.destroy();
  });

  it('stops when the gateway ends a session because the grant was revoked (exit 3)', async () => {
    rest.state.checks['echo-db'] = [
      { allowed: true, expiresAt: inAnHour() },
      { allowed: false, expiresAt: null },
    ];
    const run = startCli(['connect', 'echo-db', '--port', '0'], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    await run.stdout.waitFor(/connected: session/);
    listener.endAllSessions();
    expect(await run.exit).toBe(3);
    expect(run.stdout.text).toMatch(/\[1\] closed by the gateway/);
    expect(run.stderr.text).toMatch(/^jitgate: the grant for echo-db is no longer in force \(revoked or released\); the gateway ended the session\(s\)/m);
    socket.destroy();
  });

  it('follows a renewed grant instead of stopping', async () => {
    const first = new Date(Date.now() + 800).toISOString();
    const later = inAnHour();
    rest.state.checks['echo-db'] = [
      { allowed: true, expiresAt: first },
      { allowed: true, expiresAt: later },
    ];
    const run = startCli(['connect', 'echo-db', '--port', '0'], env);
    running.push(run);
    await run.stdout.waitFor(/Grant for echo-db renewed: expires \S+Z, in 59m/);
  });

  it('stops cleanly on Ctrl-C, closing open sessions (exit 0)', async () => {
    const { run, port } = await forward('echo-db');
    const socket = net.connect({ host: '127.0.0.1', port });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    await run.stdout.waitFor(/connected: session/);
    run.interrupt();
    expect(await run.exit).toBe(0);
    await closed;
    expect(run.stdout.text).toMatch(/Stopped: closed 1 open session\(s\)\.\n$/);
    // The listener is gone.
    await expect(exchange(port, 'x')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('rejects bad input with exit 1 and names it', async () => {
    expect((await runCliOnce(['connect', 'Orders DB'], env)).stderr).toMatch(/"Orders DB" is not a connection name/);
    expect((await runCliOnce(['connect', 'echo-db', '--port', '70000'], env)).code).toBe(1);
    expect((await runCliOnce(['connect', 'echo-db', '--proxy', 'nohost'], env)).stderr).toMatch(/--proxy must be host:port/);
    const noToken = await runCliOnce(['connect', 'echo-db'], { ...env, JITGATE_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^jitgate: no token: set JITGATE_TOKEN/);
  });

  it('warns when listening on a non-loopback address', async () => {
    const { run } = await forward('echo-db', ['--bind', '0.0.0.0']);
    expect(run.stderr.text).toMatch(/warning: 0\.0\.0\.0:\d+ is not a loopback address/);
  });
});
