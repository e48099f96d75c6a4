// The gateway as an operator runs it: `node dist/main.js` with settings in the environment.
// First start and the one-time bootstrap token, replicas racing on an empty database, secrets
// kept out of the logs, refusing bad settings, graceful shutdown, readiness.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createMigratedDatabase, deleteRedisKeys, eventually } from '@jitgate/testkit';
import { bootstrapTokenOf, GatewayProcess, startTogether } from '../support/gateway-process.js';
import { baseEnv, newBootstrapToken, newRedisPrefix, queryDatabase } from '../support/e2e-support.js';

const BOOTSTRAP_BANNER = 'jitgate bootstrap';
const ENV_TOKEN_NOTICE = 'jitgate: created the admin identity with the token from JITGATE_BOOTSTRAP_TOKEN';

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe('gateway process lifecycle', () => {
  const databases: Array<{ url: string; drop(): Promise<void> }> = [];
  const prefixes: string[] = [];
  const gateways: GatewayProcess[] = [];

  /** A gateway process (not started), on a fresh migrated database and Redis prefix unless `like` gives them. */
  async function newGateway(suite: string, env: Record<string, string> = {}, like?: GatewayProcess): Promise<GatewayProcess> {
    let settings: Record<string, string | undefined>;
    if (like) {
      settings = { ...like.settings };
    } else {
      const database = await createMigratedDatabase(`jitgate_e2e_${suite}`);
      databases.push(database);
      const prefix = newRedisPrefix(suite);
      prefixes.push(prefix);
      settings = baseEnv(database.url, prefix);
    }
    const gateway = new GatewayProcess({ env: { ...settings, ...env } });
    gateways.push(gateway);
    return gateway;
  }

  const databaseUrlOf = (gateway: GatewayProcess) => gateway.settings.DATABASE_URL as string;

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.dispose()));
    for (const prefix of prefixes) await deleteRedisKeys(prefix);
    for (const database of databases) await database.drop();
  });

  it('prints the bootstrap token once, on the first start against an empty database', async () => {
    const gateway = await newGateway('bootstrap');
    const first = await gateway.start();
    const token = bootstrapTokenOf(first);
    expect(token, first.stdout).toMatch(/^jg_[A-Za-z0-9_-]{32,}$/);
    expect(occurrences(first.stdout, BOOTSTRAP_BANNER)).toBe(1);
    const me = await gateway.api.as(token as string).get('/v1/identities/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ subject: 'admin', isAdmin: true, via: 'token' });

    const second = await gateway.restart();
    expect(second.stdout).not.toContain(BOOTSTRAP_BANNER);
    expect(second.stdout).not.toContain('JITGATE_TOKEN');
    expect(second.stdout).not.toContain(ENV_TOKEN_NOTICE);
    // The token still works, and the block of the first start is the only place it ever appeared.
    expect((await gateway.api.as(token as string).get('/v1/identities/me')).status).toBe(200);
    expect(occurrences(gateway.allOutput(), token as string)).toBe(1);
    await gateway.dispose();
  });

  it('creates exactly one admin when gateways start at the same moment on an empty database', async () => {
    const first = await newGateway('race');
    const replicas = [first, await newGateway('race', {}, first), await newGateway('race', {}, first)];
    // All must come up: whoever loses the advisory lock finds the admin and moves on.
    await startTogether(replicas);
    const databaseUrl = databaseUrlOf(first);
    const identities = await queryDatabase<{ issuer: string; subject: string; groups: string[] }>(databaseUrl, 'SELECT issuer, subject, groups FROM identities');
    expect(identities).toEqual([{ issuer: 'jitgate', subject: 'admin', groups: ['jitgate-admins'] }]);
    const tokens = await queryDatabase<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM api_tokens');
    expect(tokens[0]?.n).toBe('1');
    const events = await queryDatabase<{ n: string }>(databaseUrl, "SELECT count(*) AS n FROM audit_events WHERE action = 'identity.bootstrap'");
    expect(events[0]?.n).toBe('1');

    const printed = replicas.map((g) => bootstrapTokenOf(g.run)).filter((t) => t !== undefined);
    expect(printed).toHaveLength(1);
    for (const gateway of replicas) expect((await gateway.api.as(printed[0] as string).get('/v1/identities/me')).status).toBe(200);
    await Promise.all(replicas.map((g) => g.dispose()));
  });

  describe('with JITGATE_BOOTSTRAP_TOKEN, at debug level', () => {
    const adminToken = newBootstrapToken();
    let gateway: GatewayProcess;

    beforeAll(async () => {
      gateway = await newGateway('envtoken', { JITGATE_BOOTSTRAP_TOKEN: adminToken, LOG_LEVEL: 'debug' });
      await gateway.start();
    });

    it('creates the admin with that token and never prints it', async () => {
      expect(adminToken).toMatch(/^jg_[A-Za-z0-9_-]{40}$/);
      expect(gateway.run.stdout).toContain(ENV_TOKEN_NOTICE);
      expect(gateway.run.stdout).not.toContain(BOOTSTRAP_BANNER);
      expect(bootstrapTokenOf(gateway.run)).toBeUndefined();
      const me = await gateway.api.as(adminToken).get('/v1/identities/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ subject: 'admin', isAdmin: true });

      // With the variable still set, a restart creates nothing and says nothing about it.
      const again = await gateway.restart();
      expect(again.stdout).not.toContain(ENV_TOKEN_NOTICE);
      expect(gateway.allOutput()).not.toContain(adminToken);
      expect(gateway.allOutput()).not.toContain(adminToken.slice(3));
    });

    it('keeps tokens and Authorization headers out of the logs', async () => {
      const admin = gateway.api.as(adminToken);
      const forgedGatewayToken = newBootstrapToken();
      const forgedSignature = 'c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw';
      // A well-formed JWT nobody signed (no issuer is configured, so it is refused).
      const forgedJwt = [
        { alg: 'RS256', typ: 'JWT' },
        { iss: 'https://idp.example', sub: 'mallory', exp: 4_102_444_800 },
      ]
        .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
        .concat(forgedSignature)
        .join('.');
      const basicCredentials = Buffer.from('mallory:hunter2-basic').toString('base64');

      const sent: Array<{ requestId: string; status: number }> = [];
      async function call(client: ApiClient, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
        const requestId = `e2e-logs-${sent.length + 1}`;
        const response = await client.request(method, path, body, { 'x-request-id': requestId, ...headers });
        expect(response.headers.get('x-request-id')).toBe(requestId);
        sent.push({ requestId, status: response.status });
        return response;
      }

      expect((await call(admin, 'GET', '/v1/identities/me')).status).toBe(200);
      expect((await call(gateway.api.as(forgedGatewayToken), 'GET', '/v1/identities/me')).status).toBe(401);
      expect((await call(gateway.api.as(forgedJwt), 'GET', '/v1/identities/me')).status).toBe(401);
      expect((await call(gateway.api, 'GET', '/v1/identities/me', undefined, { authorization: `Basic ${basicCredentials}` })).status).toBe(401);
      const created = await call(admin, 'POST', '/v1/identities', { kind: 'service', subject: 'ci-job', groups: [], attributes: {} });
      expect(created.status).toBe(201);
      const issued = await call(admin, 'POST', `/v1/identities/${created.body.id}/tokens`, { name: 'ci' });
      expect(issued.status).toBe(201);
      const issuedToken = issued.body.token as string;
      expect(issuedToken).toMatch(/^jg_/);
      expect((await call(gateway.api.as(issuedToken), 'GET', '/v1/identities/me')).status).toBe(200);
      expect((await call(admin, 'GET', `/v1/identities/${created.body.id}/tokens`)).status).toBe(200);

      // The access log line is written when the response finishes: wait until the last one is in.
      await eventually(async () => gateway.run.stdout.includes(`"id":"${sent[sent.length - 1]?.requestId}"`), 5000);
      const output = gateway.allOutput();
      for (const secret of [adminToken, forgedGatewayToken, forgedJwt, basicCredentials, issuedToken]) {
        expect(output).not.toContain(secret);
        // Nor a good part of it without the well-known prefix.
        expect(output).not.toContain(secret.replace(/^jg_/, '').slice(0, 24));
      }
      expect(output).not.toContain(forgedSignature);
      expect(output).not.toMatch(/Bearer\s/i);
      expect(output).not.toMatch(/Basic\s/);

      // JSON lines: every line of stdout is a JSON object, except the one-line notice of the
      // first start that the admin came from JITGATE_BOOTSTRAP_TOKEN (StdoutBootstrapTokenSink
      // prints it straight to stdout, outside the logger).
      const lines = gateway.runs.flatMap((run) => run.stdout.split('\n')).filter((line) => line.length > 0 && line !== ENV_TOKEN_NOTICE);
      expect(lines.length).toBeGreaterThan(sent.length);
      const entries = lines.map((line) => {
        expect(() => JSON.parse(line), line).not.toThrow();
        const entry = JSON.parse(line) as { level: number; time: number; msg?: string; req?: { id?: string; headers?: unknown }; res?: { statusCode: number } };
        // Every line says what happened: a level, a time and a message.
        expect(entry, line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
        return entry;
      });
      // Each request is logged with the request id the client sent (and got back).
      for (const { requestId, status } of sent) {
        const logged = entries.filter((e) => e.req?.id === requestId);
        expect(logged.length, requestId).toBeGreaterThanOrEqual(1);
        expect(
          logged.some((e) => e.res?.statusCode === status),
          requestId,
        ).toBe(true);
        for (const entry of logged) expect(entry.req?.headers).toBeUndefined();
      }
    });

    it('shuts down gracefully on SIGTERM: exit code 0 within a few seconds', async () => {
      const started = Date.now();
      expect(await gateway.stop(5000)).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5000);
      // stderr carries the shutdown notice and nothing else.
      expect(gateway.run.stderr.trim()).toBe('jitgate-gateway: SIGTERM, shutting down');
      expect(
        await fetch(`${gateway.baseUrl}/healthz`).then(
          () => 'answered',
          () => 'refused',
        ),
      ).toBe('refused');
    });
  });

  it('answers /readyz 503 with database "down" while PostgreSQL refuses it, and recovers', async () => {
    const gateway = await newGateway('readyz', { JITGATE_BOOTSTRAP_TOKEN: newBootstrapToken(), JITGATE_SWEEP_INTERVAL: '1s' });
    await gateway.start();
    expect((await gateway.api.get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
    const name = new URL(databaseUrlOf(gateway)).pathname.slice(1);
    const adminUrl = new URL(databaseUrlOf(gateway));
    adminUrl.pathname = '/postgres';
    // New connections are refused and the pooled ones are cut: as far as the gateway can tell,
    // its database is gone. (Dropping it would do the same but leave nothing to recover.)
    await queryDatabase(adminUrl.toString(), `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    try {
      await queryDatabase(adminUrl.toString(), 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const down = await eventually(async () => {
        const response = await gateway.api.get('/readyz');
        return response.status === 503 ? response : null;
      }, 10_000);
      expect(down.body).toEqual({ status: 'unavailable', checks: { database: 'down', redis: 'ok' } });
      // Liveness is not readiness: the process answers, and keeps running (the sweeper fails
      // every second meanwhile).
      expect((await gateway.api.get('/healthz')).status).toBe(200);
    } finally {
      await queryDatabase(adminUrl.toString(), `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    }
    const back = await eventually(async () => {
      const response = await gateway.api.get('/readyz');
      return response.status === 200 ? response : null;
    }, 10_000);
    expect(back.body.checks).toEqual({ database: 'ok', redis: 'ok' });
    expect(gateway.running).toBe(true);
  });
});
