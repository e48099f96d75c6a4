// The gateway refuses bad settings before it starts anything
// (apps/gateway/src/platform/config/config.schema.ts), and never echoes a value that could be a
// secret.
import { afterAll, describe, it } from 'vitest';
import { deleteRedisKeys, REDIS_URL } from '@jitgate/testkit';
import { GatewayProcess } from '../support/gateway-process.js';
import { newRedisPrefix } from '../support/e2e-support.js';

describe('gateway process settings', () => {
  const prefixes: string[] = [];
  const gateways: GatewayProcess[] = [];

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.dispose()));
    for (const prefix of prefixes) await deleteRedisKeys(prefix);
  });

  describe('refuses bad settings with exit code 2, naming the variable and not its value', () => {
    const SECRET = 'pw-Zm9vYmFyLXNlY3JldA';
    const databaseUrl = `postgresql://jitgate:${SECRET}@127.0.0.1:5432/jitgate`;
    const redisUrl = `redis://:${SECRET}@127.0.0.1:6379`;

    // Concurrent: each case is a process that exits at once, and they share nothing.
    it.concurrent.for<[string, Record<string, string>, string, RegExp]>([
      ['DATABASE_URL is missing', { REDIS_URL: redisUrl }, 'DATABASE_URL', /DATABASE_URL: .*expected string/],
      ['REDIS_URL is not a URL', { DATABASE_URL: databaseUrl, REDIS_URL: `not a url ${SECRET}` }, 'REDIS_URL', /REDIS_URL: .*URL/],
      ['JITGATE_OIDC_ISSUERS is not JSON', { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JITGATE_OIDC_ISSUERS: `not json ${SECRET}` }, 'JITGATE_OIDC_ISSUERS', /JITGATE_OIDC_ISSUERS: must be a JSON array/],
      ['PORT is out of range', { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, PORT: '99999' }, 'PORT', /PORT: .*65535/],
      [
        'JITGATE_BOOTSTRAP_TOKEN is malformed',
        { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JITGATE_BOOTSTRAP_TOKEN: `jg_${SECRET}!` },
        'JITGATE_BOOTSTRAP_TOKEN',
        /JITGATE_BOOTSTRAP_TOKEN: must look like/,
      ],
      [
        'JITGATE_MODE names a mode that does not exist',
        { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JITGATE_MODE: 'api,proxy' },
        'JITGATE_MODE',
        /JITGATE_MODE: must be "all" or a comma-separated list of api, worker, data \(unknown: "proxy"\)/,
      ],
      ['JITGATE_MODE names a mode twice', { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JITGATE_MODE: 'data,data' }, 'JITGATE_MODE', /JITGATE_MODE: names a mode twice/],
      // The data plane opens the agents' tunnel: not in plaintext unless asked for by name.
      [
        'JITGATE_MODE=data without the tunnel certificate',
        { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JITGATE_MODE: 'data', JITGATE_TUNNEL_INSECURE: 'false' },
        'JITGATE_TUNNEL_TLS_CERT',
        /JITGATE_TUNNEL_TLS_CERT: required unless JITGATE_TUNNEL_INSECURE=true/,
      ],
    ])('%s', async ([, env, variable, problem], { expect }) => {
      const gateway = new GatewayProcess({ env });
      gateways.push(gateway);
      const run = await gateway.spawn();
      expect(await gateway.waitForExit(20_000)).toEqual({ code: 2, signal: null });
      expect(run.stderr).toContain('invalid configuration');
      expect(run.stderr).toContain(variable);
      expect(run.stderr).toMatch(problem);
      expect(run.stderr).not.toContain(SECRET);
      expect(run.stderr).not.toContain('99999');
      // Nothing started: no logs, no bootstrap.
      expect(run.stdout).toBe('');
    });

    it.concurrent('exits non-zero without the password when the database cannot be reached', async ({ expect }) => {
      const prefix = newRedisPrefix('unreachable');
      prefixes.push(prefix);
      const gateway = new GatewayProcess({ env: { DATABASE_URL: `postgresql://postgres:${SECRET}@127.0.0.1:1/jitgate`, REDIS_URL, JITGATE_REDIS_PREFIX: prefix } });
      gateways.push(gateway);
      const run = await gateway.spawn();
      expect((await gateway.waitForExit(20_000)).code).toBe(1);
      expect(run.stderr).toMatch(/failed to start/);
      expect(gateway.allOutput()).not.toContain(SECRET);
    });
  });
});
