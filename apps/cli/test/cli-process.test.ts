// The built CLI as a real process (node dist/main.js): signals, exit codes and streams as a
// shell sees them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayListenerStandIn } from './support/gateway-listener.stand-in.js';
import { exchange, sha256 } from './support/local-client.js';
import { RestStandIn } from './support/rest.stand-in.js';
import { spawnCli } from './support/run-cli.js';

const TOKEN = 'jg_PROCESS-TEST-SECRET-abcdefghijklmnop';

let listener: GatewayListenerStandIn;
let rest: RestStandIn;
let env: Record<string, string>;

beforeAll(async () => {
  listener = new GatewayListenerStandIn({
    token: TOKEN,
    connections: { 'echo-db': 'echo', 'revoked-db': { status: 403, code: 'no_grant', message: 'no grant in force' } },
  });
  await listener.start();
  rest = new RestStandIn({ token: TOKEN, checks: {}, request: { initial: 'approved' }, grants: [] });
  env = { JITGATE_URL: await rest.start(), JITGATE_TOKEN: TOKEN, JITGATE_PROXY: listener.address };
});

afterAll(async () => {
  await listener.stop();
  await rest.stop();
});

describe('node dist/main.js', () => {
  it('connect: prints the port, forwards bytes, and exits 0 on SIGINT', async () => {
    rest.state.checks['echo-db'] = [{ allowed: true, expiresAt: new Date(Date.now() + 600_000).toISOString() }];
    const cli = spawnCli(['connect', 'echo-db', '--port', '0'], env);
    const [, port] = await cli.stdout.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → echo-db .*grant expires/);
    const data = randomBytes(2 * 1024 * 1024);
    const result = await exchange(Number(port), data);
    expect(sha256(result.received)).toBe(sha256(data));
    await cli.stdout.waitFor(/\[1\] closed by the local client \(2\.1 MB sent, 2\.1 MB received\)/);
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
    expect(cli.stdout.text).toMatch(/Stopped\.\n$/);
    expect(cli.stderr.text).toBe('');
    expect(cli.stdout.text).not.toContain(TOKEN);
  });

  it('connect --once: a refused session exits 3 with one line on stderr', async () => {
    rest.state.checks['revoked-db'] = [{ allowed: true, expiresAt: new Date(Date.now() + 600_000).toISOString() }];
    const cli = spawnCli(['connect', 'revoked-db', '--once'], env);
    const [, port] = await cli.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    await exchange(Number(port), 'SELECT 1');
    expect(await cli.exit).toBe(3);
    expect(cli.stderr.text).toMatch(/^\[1\] 127\.0\.0\.1:\d+ refused: no active grant for revoked-db — request one with POST \/v1\/access-requests .*\(gateway: 403 no_grant "no grant in force"\)\n$/);
    expect(cli.stdout.text + cli.stderr.text).not.toContain(TOKEN);
  });

  it('connect without a grant exits 3 before listening', async () => {
    const cli = spawnCli(['connect', 'orders-db'], env);
    expect(await cli.exit).toBe(3);
    expect(cli.stdout.text).toBe('');
    expect(cli.stderr.text).toMatch(/^jitgate: no active grant for orders-db — request one with POST \/v1\/access-requests/);
  });

  it('whoami with a rejected token exits 2 without printing it', async () => {
    const cli = spawnCli(['whoami'], { ...env, JITGATE_TOKEN: 'jg_not-the-right-one' });
    expect(await cli.exit).toBe(2);
    expect(cli.stderr.text.split('\n')).toHaveLength(2);
    expect(cli.stderr.text).not.toContain('jg_not-the-right-one');
  });

  it('no command is a usage error (exit 1) that shows the commands', async () => {
    const cli = spawnCli([], env);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr.text).toMatch(/Usage: jitgate \[options\] \[command\]/);
  });
});
