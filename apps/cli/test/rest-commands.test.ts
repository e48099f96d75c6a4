// whoami, grants and request against a stand-in of the REST API: output, the request body sent,
// --wait, and every failure mapped to one line and its exit code. The token is never printed.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RestStandIn } from './support/rest.stand-in.js';
import { runCliOnce, startCli } from './support/run-cli.js';

const TOKEN = 'jg_ANOTHER-SECRET-THAT-MUST-NOT-LEAK-9876543210';

let rest: RestStandIn;
let env: Record<string, string>;
const outputs: string[] = [];

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const result = await runCliOnce(args, { ...env, ...extraEnv });
  outputs.push(result.stdout + result.stderr);
  return result;
}

beforeAll(async () => {
  rest = new RestStandIn({ token: TOKEN, checks: {}, request: { initial: 'approved' }, grants: [] });
  env = { JITGATE_URL: await rest.start(), JITGATE_TOKEN: TOKEN };
});
afterAll(() => rest.stop());
beforeEach(() => {
  rest.state.request = { initial: 'approved' };
  rest.state.grants = [];
  delete rest.state.failWith;
});
afterEach(() => {
  for (const output of outputs.splice(0)) expect(output).not.toContain(TOKEN);
});

describe('jitgate whoami', () => {
  it('prints who the token belongs to', async () => {
    const result = await cli(['whoami']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(['report-agent: service identity 0b0e7b1e-0000-4000-8000-000000000001', 'issuer: jitgate', 'groups: analysts', `gateway: ${env.JITGATE_URL}`].join('\n') + '\n');
    expect(rest.seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/identities/me', authorization: `Bearer ${TOKEN}` });
  });

  it('prints JSON with --json', async () => {
    const result = await cli(['whoami', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ subject: 'report-agent', groups: ['analysts'] });
  });

  it('keeps a path prefix of JITGATE_URL', async () => {
    const result = await cli(['whoami', '--url', `${env.JITGATE_URL}/`]);
    expect(result.code).toBe(0);
    expect(rest.seen.at(-1)?.url).toBe('/v1/identities/me');
  });
});

describe('jitgate grants', () => {
  it('lists active grants as a table', async () => {
    rest.state.grants = [
      { connection: 'orders-db', scope: 'read-only', expiresAt: new Date(Date.now() + 1_800_500).toISOString() },
      { connection: 'billing-api', scope: null, expiresAt: new Date(Date.now() + 90_500).toISOString() },
    ];
    const result = await cli(['grants']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONNECTION +SCOPE +EXPIRES +LEFT +GRANT$/);
    expect(lines[1]).toMatch(/^orders-db +read-only +\S+Z +30m +grant-1$/);
    expect(lines[2]).toMatch(/^billing-api +- +\S+Z +1m 30s +grant-2$/);
    expect(rest.seen.at(-1)?.url).toBe('/v1/grants?active=true');
  });

  it('says so when there are none', async () => {
    const result = await cli(['grants']);
    expect(result.stdout).toMatch(/^No active grants\./);
  });
});

describe('jitgate request', () => {
  const ask = ['request', 'orders-db', '--duration', '30m', '--reason', 'monthly report', '--interval', '0.1'];

  it('sends the request and prints the grant when policy approves at once', async () => {
    const result = await cli([...ask, '--scope', 'read-only']);
    expect(result.code).toBe(0);
    expect(rest.seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/access-requests',
      body: { connection: 'orders-db', duration: '30m', reason: 'monthly report', scope: 'read-only' },
    });
    expect(result.stdout).toMatch(/^Request \S+ for orders-db approved: grant \S+, expires \S+Z, in (29m 59s|30m)\.\nConnect with: jitgate connect orders-db\n$/);
  });

  it('tells how to reach a postgres connection: any Postgres client, the token as password', async () => {
    const result = await cli(['request', 'shop-pg', '--duration', '30m', '--reason', 'r']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Connect with: PGPASSWORD="$JITGATE_TOKEN" psql "host=<gateway> port=5433 dbname=shop-pg user=<you>"');
  });

  it('tells how to reach an HTTP connection: jitgate connect serves a local URL', async () => {
    rest.state.types = { analytics: 'bigquery' };
    const result = await cli(['request', 'analytics', '--duration', '30m', '--reason', 'r']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Connect with: jitgate connect analytics  (serves analytics at a local URL: use it as the client's API endpoint)");
  });

  it('prints what a pending request waits for', async () => {
    rest.state.request = { initial: 'pending' };
    const result = await cli(ask);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is pending: needs 1 approval\(s\) from dba; it expires \S+Z if nobody decides\./);
  });

  it('--wait polls until approved, with a progress line', async () => {
    rest.state.request = { initial: 'pending', after: { polls: 3, status: 'approved' } };
    const result = await cli([...ask, '--wait']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Waiting for approval of \S+: 0 of 1 \(dba\)\n/);
    expect(result.stdout).toMatch(/approved: grant /);
    expect(rest.seen.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/access-requests/'))).toHaveLength(3);
  });

  it('--wait ends with exit 3 when the request is denied or expires', async () => {
    rest.state.request = { initial: 'pending', after: { polls: 1, status: 'denied' } };
    const denied = await cli([...ask, '--wait']);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/^jitgate: request \S+ for orders-db was denied: by rule "no-bots" of policy "prod-databases": bots may not use prod$/m);
    rest.state.request = { initial: 'pending', after: { polls: 1, status: 'expired' } };
    const expired = await cli([...ask, '--wait']);
    expect(expired.code).toBe(3);
    expect(expired.stderr).toMatch(/expired before it got 1 approval\(s\)/);
  });

  it('stops waiting on Ctrl-C and says the request is still pending', async () => {
    rest.state.request = { initial: 'pending' };
    const run = startCli([...ask, '--wait'], env);
    await run.stderr.waitFor(/Waiting for approval/);
    run.interrupt();
    expect(await run.exit).toBe(130);
    expect(run.stderr.text).toMatch(/Stopped waiting; request \S+ is still pending\.\n$/);
  });

  it('exits 3 when policy denies at once', async () => {
    rest.state.request = { initial: 'denied' };
    const result = await cli(ask);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('jitgate: request 5f0c1d2e-0000-4000-8000-00000000000a for orders-db was denied: by rule "no-bots" of policy "prod-databases": bots may not use prod\n');
  });

  it('needs --duration and --reason (exit 1, commander names the option)', async () => {
    const result = await cli(['request', 'orders-db', '--duration', '30m']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/required option '--reason <text>' not specified/);
  });
});

describe('failures: one line, the right exit code', () => {
  it.each([
    [401, 'unauthenticated', 2],
    [403, 'forbidden', 3],
    [404, 'not_found', 1],
    [400, 'validation_failed', 1],
    [503, 'unavailable', 4],
    [500, 'internal', 4],
  ])('HTTP %i %s → exit %i', async (status, code, exit) => {
    rest.state.failWith = { status, code, message: `the gateway says ${code}` };
    const result = await cli(['whoami']);
    expect(result.code).toBe(exit);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^jitgate: .*the gateway says ${code} \\(${code}, HTTP ${status}, request req-1\\)\\n$`));
  });

  it('a token the gateway rejects → exit 2, and the token is not printed', async () => {
    const result = await cli(['grants'], { JITGATE_TOKEN: 'jg_wrong-token-also-secret' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('jitgate: the gateway did not accept JITGATE_TOKEN: the bearer token is not valid (unauthenticated, HTTP 401, request req-1)\n');
    expect(result.stderr).not.toContain('jg_wrong-token-also-secret');
  });

  it('no token → exit 2', async () => {
    const result = await cli(['whoami'], { JITGATE_TOKEN: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jitgate: no token: set JITGATE_TOKEN/);
  });

  it('gateway not reachable → exit 4', async () => {
    const port = await closedPort();
    const result = await cli(['whoami'], { JITGATE_URL: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(`jitgate: cannot reach the gateway at http://127.0.0.1:${port}: connection refused\n`);
  });

  it('a bad JITGATE_URL or an unknown command → exit 1', async () => {
    expect(await cli(['whoami'], { JITGATE_URL: 'ftp://x' })).toMatchObject({ code: 1, stderr: 'jitgate: JITGATE_URL must be an http:// or https:// URL, not "ftp://x"\n' });
    const unknown = await cli(['conect', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'conect'[\s\S]*Did you mean connect\?/);
  });

  it('--help and --version exit 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*whoami[\s\S]*request[\s\S]*grants[\s\S]*connect/);
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
