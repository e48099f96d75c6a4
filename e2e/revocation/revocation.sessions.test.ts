// Revoking a person ends their sessions (issue 13, class 6; docs/tunnel.md "Enforcement"): a
// revoked token ends every live session it opened, and a disabled identity every session it has,
// whatever the protocol (postgres, tcp, HTTP keep-alive) and whichever replica carries it, within
// 1 s of the API call returning. Real processes: two gateway replicas, the agent, the target
// PostgreSQL, an echo target and an HTTP target; real clients: node-postgres, psql, `jitgate
// connect`, Node's HTTP client. Each case checks the target itself: the statement sent after the
// revoke is not in the table, the request sent after it never reached the HTTP target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import type { EchoSocket, LocalClient } from '../support/data-path-stack.js';
import { createIdentity, eventually, requestGrant, type TestIdentity, within } from '@jitgate/testkit';
import { fatalOf, issueToken, KeepAliveCaller, PsqlSession, sessionsOf, startRecordingTarget, type IssuedToken, type RecordingTarget } from '../support/revocation-fixtures.js';

let pgs: PostgresStack;
let web: RecordingTarget;
let serial = 0;

beforeAll(async () => {
  web = await startRecordingTarget();
  pgs = await PostgresStack.start('revoke', { replicas: 2, otherConnections: [{ name: 'web', type: 'http', settings: { baseUrl: web.url } }] });
}, 180_000);

afterAll(async () => {
  await pgs?.dispose();
  await web?.close();
});

/** A person with two tokens of their own (beside the one that asks for grants). */
interface Person {
  identity: TestIdentity;
  first: IssuedToken;
  second: IssuedToken;
}

async function someone(): Promise<Person> {
  serial += 1;
  const admin = pgs.stack.admin();
  const identity = await createIdentity(admin, { subject: `revoked-${serial}`, groups: ['dev'] });
  return { identity, first: await issueToken(admin, identity.id, 'first'), second: await issueToken(admin, identity.id, 'second') };
}

async function connected(who: Person, token: IssuedToken, replica: number): Promise<pg.Client> {
  const client = pgs.client({ token: token.token, user: who.identity.subject, replica });
  await client.connect();
  return client;
}

/** Sessions of the target database still running `pattern` (the server side of the cut). */
async function serverBackends(pattern: string): Promise<number> {
  const rows = await pgs.direct<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1`, [pattern]);
  return rows[0]!.n;
}

const revokeToken = (who: Person, token: IssuedToken, replica = 0) => pgs.stack.admin(replica).post(`/v1/identities/${who.identity.id}/tokens/${token.id}/revoke`);

describe('revoking a token', () => {
  it("ends its postgres sessions on both replicas within 1 s with FATAL 57P01 naming why; the statement after it never runs; the other token's session goes on", async () => {
    const who = await someone();
    await requestGrant(who.identity, SHOP);
    const tag = `token-${serial}`;
    const onA = await connected(who, who.first, 0);
    const onB = await connected(who, who.first, 1);
    const untouched = await connected(who, who.second, 1);
    const psql = new PsqlSession({ port: pgs.stack.gateways[1]!.pgPort, token: who.first.token, user: who.identity.subject, database: SHOP });
    try {
      await psql.run(`insert into customers (name, email) values ('${tag} before', 'before@example.com');`);
      const [rowA, rowB] = [await pgs.sessionOf(onA), await pgs.sessionOf(onB)];
      const running = `select pg_sleep(30) /* ${tag} */`;
      const seenA = fatalOf(onA, onA.query(running));
      const seenB = fatalOf(onB);
      await eventually(async () => (await serverBackends(running)) === 1, 5_000);

      const revoked = await revokeToken(who, who.first);
      const returnedAt = Date.now();
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
      const [a, b] = await within(Promise.all([seenA, seenB]), 5_000, 'the FATAL on both replicas');
      console.log(`token revoke: FATAL on replica A ${a.at - returnedAt} ms, on replica B ${b.at - returnedAt} ms after the call returned`);
      for (const seen of [a, b]) {
        expect(seen.error).toMatchObject({ code: '57P01', severity: 'FATAL', message: 'terminating connection: jitgate: the token that opened this session was revoked' });
        expect(seen.at - returnedAt).toBeLessThanOrEqual(1000);
      }
      // The answer says the live sessions were told, and by when they end at the latest.
      expect(revoked.body).toMatchObject({ id: who.first.id, revokedAt: expect.any(String), liveSessions: { notified: true, endBy: expect.any(String) } });

      // The statement after the revoke, on a session the revoke ended: it never reaches the table.
      psql.send(`insert into customers (name, email) values ('${tag} after', 'after@example.com');`);
      expect(await psql.waitForExit()).not.toBe(0);
      expect(psql.stderr).toMatch(/jitgate: the token that opened this session was revoked/);
      expect(await pgs.direct('SELECT name FROM customers WHERE name LIKE $1 ORDER BY id', [`${tag} %`])).toEqual([{ name: `${tag} before` }]);
      await eventually(async () => (await serverBackends(running)) === 0, 5_000);

      for (const [row, replica] of [
        [rowA, 0],
        [rowB, 1],
      ] as const) {
        expect(await pgs.stack.endedSession(row.id as string)).toMatchObject({ gatewayId: `gw-revoke-${replica}`, endReason: 'token_revoked' });
      }
      const closed = await pgs.stack.admin().get(`/v1/audit?action=session.closed&target=${rowB.id as string}`);
      expect(closed.body.items).toEqual([expect.objectContaining({ details: expect.objectContaining({ endReason: 'token_revoked' }) })]);

      // The identity's other token still has its session, and the revoked one cannot log in again.
      expect((await untouched.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      await expect(connected(who, who.first, 1)).rejects.toMatchObject({ code: '28P01' });
    } finally {
      psql.stop();
      await untouched.end().catch(() => undefined);
    }
  }, 60_000);

  it("ends its tcp sessions (jitgate connect) on both replicas within 1 s, and the target's sockets close", async () => {
    const who = await someone();
    await requestGrant(who.identity, 'echo');
    const opened: Array<{ client: LocalClient; target: EchoSocket; replica: number }> = [];
    const clis = [];
    for (const replica of [0, 1]) {
      const cli = await pgs.stack.connect('echo', replica, who.first.token);
      clis.push(cli);
      const targetIndex = pgs.stack.echo.sockets.length;
      const client = await cli.open();
      expect((await client.echo(Buffer.from(`via ${replica}`))).toString()).toBe(`via ${replica}`);
      opened.push({ client, target: pgs.stack.echo.sockets[targetIndex] as EchoSocket, replica });
    }

    const revoked = await revokeToken(who, who.first, 1);
    const returnedAt = Date.now();
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    for (const { client, target, replica } of opened) {
      const closedAt = await within(client.closed, 5_000, `the session on replica ${replica}`);
      console.log(`token revoke: tcp session on replica ${replica} closed ${closedAt - returnedAt} ms after the call returned`);
      expect(closedAt - returnedAt).toBeLessThanOrEqual(1000);
      await eventually(async () => target.closedAt !== undefined, 2_000, 20);
      expect(await pgs.stack.endedSession(client.sessionId as string)).toMatchObject({ gatewayId: `gw-revoke-${replica}`, endReason: 'token_revoked' });
    }
    await Promise.all(clis.map((cli) => cli.run.stop()));
  }, 60_000);

  it('closes its HTTP keep-alive connections on both replicas within 1 s; the next request is refused 401 and never reaches the target', async () => {
    const who = await someone();
    await requestGrant(who.identity, 'web');
    const callers = [0, 1].map(() => new KeepAliveCaller(who.first.token));
    try {
      const sockets = [];
      for (const [replica, caller] of callers.entries()) {
        const base = `http://127.0.0.1:${pgs.stack.gateways[replica]!.httpPort}/c/web`;
        for (const n of [1, 2]) expect((await caller.request(`${base}/token-${serial}/before-${replica}-${n}`)).status).toBe(200);
        const again = await caller.request(`${base}/token-${serial}/before-${replica}-3`);
        sockets.push(again.socket);
      }
      // One caller connection each, reused: one session each.
      expect(callers.map((c) => c.sockets.length)).toEqual([1, 1]);

      const revoked = await revokeToken(who, who.first);
      const returnedAt = Date.now();
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
      for (const [replica, caller] of callers.entries()) {
        const closedAt = await within(caller.closedAt(sockets[replica]!), 5_000, `the caller connection on replica ${replica}`);
        console.log(`token revoke: HTTP keep-alive connection on replica ${replica} closed ${closedAt - returnedAt} ms after the call returned`);
        expect(closedAt - returnedAt).toBeLessThanOrEqual(1000);
        const after = await caller.request(`http://127.0.0.1:${pgs.stack.gateways[replica]!.httpPort}/c/web/token-${serial}/after-${replica}`);
        expect(after.status, after.body).toBe(401);
      }
      expect(web.paths.filter((p) => p.includes(`token-${serial}/after`))).toEqual([]);
      const rows = await eventually(async () => {
        const listed = await sessionsOf(pgs.stack.admin(), who.identity.id, 'web');
        return listed.length === 2 && listed.every((s) => s.endedAt) ? listed : null;
      });
      expect(rows.map((s) => s.endReason)).toEqual(['token_revoked', 'token_revoked']);
    } finally {
      for (const caller of callers) caller.destroy();
    }
  }, 60_000);
});

describe('disabling an identity', () => {
  it('ends every session it has — both tokens, postgres, tcp and HTTP, both replicas — within 1 s, saying why', async () => {
    const who = await someone();
    for (const connection of [SHOP, 'echo', 'web']) await requestGrant(who.identity, connection);
    const tag = `disable-${serial}`;
    const pgA = await connected(who, who.first, 0);
    const pgB = await connected(who, who.second, 1);
    const running = `select pg_sleep(30) /* ${tag} */`;
    const seenA = fatalOf(pgA, pgA.query(running));
    const seenB = fatalOf(pgB);
    const cli = await pgs.stack.connect('echo', 1, who.second.token);
    const tcp = await cli.open();
    expect((await tcp.echo(Buffer.from('hi'))).toString()).toBe('hi');
    const caller = new KeepAliveCaller(who.first.token);
    const httpPort = pgs.stack.gateways[0]!.httpPort;
    try {
      const before = await caller.request(`http://127.0.0.1:${httpPort}/c/web/${tag}/before`);
      expect(before.status).toBe(200);
      await eventually(async () => (await serverBackends(running)) === 1, 5_000);

      const disabled = await pgs.stack.admin(1).patch(`/v1/identities/${who.identity.id}`, { disabled: true });
      const returnedAt = Date.now();
      expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
      const [a, b] = await within(Promise.all([seenA, seenB]), 5_000, 'the FATAL on both replicas');
      const [tcpClosed, httpClosed] = await within(Promise.all([tcp.closed, caller.closedAt(before.socket)]), 5_000, 'the tcp and HTTP sessions');
      console.log(`identity disabled: postgres A ${a.at - returnedAt} ms, postgres B ${b.at - returnedAt} ms, tcp ${tcpClosed - returnedAt} ms, HTTP ${httpClosed - returnedAt} ms after the call returned`);
      for (const seen of [a, b]) {
        expect(seen.error).toMatchObject({ code: '57P01', severity: 'FATAL', message: 'terminating connection: jitgate: the identity of this session was disabled' });
        expect(seen.at - returnedAt).toBeLessThanOrEqual(1000);
      }
      for (const at of [tcpClosed, httpClosed]) expect(at - returnedAt).toBeLessThanOrEqual(1000);
      expect(disabled.body).toMatchObject({ disabled: true, liveSessions: { notified: true, endBy: expect.any(String) } });
      expect((await caller.request(`http://127.0.0.1:${httpPort}/c/web/${tag}/after`)).status).toBe(401);
      expect(web.paths.filter((p) => p.includes(`${tag}/after`))).toEqual([]);
      await eventually(async () => (await serverBackends(running)) === 0, 5_000);

      const rows = await eventually(async () => {
        const all = (await Promise.all([SHOP, 'echo', 'web'].map((c) => sessionsOf(pgs.stack.admin(), who.identity.id, c)))).flat();
        return all.length === 4 && all.every((s) => s.endedAt) ? all : null;
      });
      expect(rows.map((s) => s.endReason)).toEqual(['identity_disabled', 'identity_disabled', 'identity_disabled', 'identity_disabled']);
    } finally {
      caller.destroy();
      await cli.run.stop();
    }
  }, 60_000);
});
