// Issue 15's fault runs, shared by e2e/faults/under-load.test.ts and `pnpm chaos`: a gateway
// (built, a real process) on a Redis of its own and on its control database through a relay the
// lab can cut, an agent, pgbench and HTTP load through it (fault-load.ts), and a fault injected
// under that load. Around each fault, "victims" — people whose grant is revoked or expires while
// the fault lasts — keep writing through the gateway, so that what the target received after
// their access ended can be read on the target itself. After the runs, the four checks:
//   1. no grant outlives its expiry or revocation on any path (the victims, per fault);
//   2. every session that ended has its end recorded exactly once, and its recording verifies;
//   3. the audit chain verifies;
//   4. the service recovers without a restart (ready, new sessions and requests work, same process);
//   5. callers are told clearly: a fault reads as `unavailable`, never as an internal error.
import http from 'node:http';
import type net from 'node:net';
import { spawnSync } from 'node:child_process';
import { connectClient, createIdentity, eventually, OwnRedisServer, queryDatabase, requestGrant, sleep, TcpRelay, type TestIdentity } from '@jitgate/testkit';
import type pg from 'pg';
import { GatewayLoad } from './fault-load.js';
import { PostgresStack, SHOP, urlOf } from './postgres-stack.js';

export const FAULT_NAMES = ['redis-killed', 'redis-frozen', 'database-cut'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** What a victim could still do after its access ended: nothing, if the gateway holds. */
export interface VictimOutcome {
  who: string;
  how: 'revoked' | 'expired';
  /**
   * When its access ended (ms), for its Postgres and its tcp grant: the revoke's answer, or the
   * grant's expiresAt plus the one-second promise.
   */
  endedBy: { statements: number; echo: number };
  /** The last statement the target ran for it, and the last echo its tcp session got back (ms). */
  lastStatementAt: number | undefined;
  lastEchoAt: number | undefined;
}

export interface FaultRun {
  fault: FaultName;
  seconds: number;
  startedAt: number;
  clearedAt: number;
  victims: VictimOutcome[];
  /** Broken promises found in this run (check 1); empty when it held. */
  problems: string[];
}

/** One second: the promise that a revoked or expired person is out within it. */
const END_PROMISE_MS = 1_000;

export class FaultLab {
  readonly runs: FaultRun[] = [];
  private victimSerial = 0;
  private readonly victims: Array<{ stop(): Promise<void> }> = [];

  private constructor(
    readonly pgs: PostgresStack,
    readonly redis: OwnRedisServer,
    readonly relay: TcpRelay,
    private readonly web: http.Server,
    readonly load: GatewayLoad,
  ) {}

  static async start(suite: string): Promise<FaultLab> {
    const redis = await OwnRedisServer.start();
    const relay = new TcpRelay({ host: '127.0.0.1', port: 5432 });
    await relay.start();
    const web = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const webUrl = `http://127.0.0.1:${(web.address() as net.AddressInfo).port}`;
    const pgs = await PostgresStack.start(suite, {
      gatewayEnv: {
        REDIS_URL: redis.url,
        JITGATE_REDIS_TIMEOUT: '1s',
        JITGATE_SESSION_RECONCILE_INTERVAL: '1s',
        JITGATE_SWEEP_INTERVAL: '1s',
        // The load's keep-alive HTTP sessions end soon after it stops, so check 2 need not wait 30 s.
        JITGATE_HTTP_IDLE_TIMEOUT: '2s',
      },
      gatewayDatabaseUrl: (url) => relay.urlThrough(url),
      otherConnections: [{ name: 'web', type: 'http', settings: { baseUrl: webUrl } }],
    });
    // pgbench's tables and the victims' marks, made by the target's owner, as "shop" logs in.
    const init = spawnSync('pgbench', ['-i', '-s', '1', '-q', '-d', urlOf(pgs.targetDatabase, pgs.role)], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    await pgs.stack.requestGrant(SHOP);
    await pgs.stack.requestGrant('web');
    await pgs.asOwner('CREATE TABLE marks (who text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
    const load = new GatewayLoad({ pgPort: pgs.pgPort, httpPort: pgs.stack.gateway.httpPort, database: SHOP, token: pgs.stack.alice.token, httpPath: '/c/web/ok' });
    return new FaultLab(pgs, redis, relay, web, load);
  }

  /** Injects `fault` for `seconds` under whatever load runs, with a victim of each kind it allows. */
  async inject(fault: FaultName, seconds: number): Promise<FaultRun> {
    // A revoke needs the database, so a database fault has no revoke victim; an expiry needs none.
    const revoked = fault === 'database-cut' ? undefined : await this.victim(3600);
    const expiring = await this.victim(Math.max(1, Math.floor(seconds / 2)));
    const startedAt = Date.now();
    await this.apply(fault, 'start');
    const revokedAt: number[] = [];
    if (revoked) {
      await sleep((seconds * 1000) / 2);
      for (const grantId of revoked.grantIds) {
        const answer = await this.pgs.stack.admin().post(`/v1/grants/${grantId}/revoke`, { reason: `fault run: ${fault}` });
        if (answer.status !== 200) throw new Error(`revoking during ${fault}: ${answer.status} ${JSON.stringify(answer.body)}`);
        revokedAt.push(Date.now());
      }
    }
    await sleep(Math.max(0, startedAt + seconds * 1000 - Date.now()));
    await this.apply(fault, 'clear');
    const clearedAt = Date.now();
    // What reached the targets is read once the victims have surely been cut.
    await sleep(2 * END_PROMISE_MS);
    const victims: VictimOutcome[] = [];
    if (revoked) victims.push(await revoked.outcome('revoked', { statements: revokedAt[0] as number, echo: revokedAt[1] as number }));
    const expiredBy = expiring.expiresAt + END_PROMISE_MS;
    victims.push(await expiring.outcome('expired', { statements: expiredBy, echo: expiredBy }));
    const problems = victims.flatMap((v) => {
      const late = [
        v.lastStatementAt !== undefined && v.lastStatementAt > v.endedBy.statements ? `a statement ran ${v.lastStatementAt - v.endedBy.statements} ms after` : '',
        v.lastEchoAt !== undefined && v.lastEchoAt > v.endedBy.echo ? `bytes came back ${v.lastEchoAt - v.endedBy.echo} ms after` : '',
      ].filter(Boolean);
      return late.map((what) => `${fault}: ${v.who} (${v.how}): ${what} its access ended`);
    });
    const run: FaultRun = { fault, seconds, startedAt, clearedAt, victims, problems };
    this.runs.push(run);
    return run;
  }

  /** Checks 2, 3 and 4, after the runs: the problems found, none when everything held. */
  async afterChecks(): Promise<string[]> {
    const problems: string[] = [];
    const gateway = this.pgs.stack.gateway;
    const clearedAt = Date.now();
    // 4. Recovered without a restart: ready, a new pgbench run and an HTTP answer, a new request.
    await eventually(async () => (await gateway.api.get('/readyz')).status === 200, 30_000).catch(() => problems.push('4: /readyz did not answer 200 within 30 s of the last fault'));
    await eventually(async () => this.load.succeededSince(clearedAt).pgbench > 0, 30_000).catch(() =>
      problems.push(`4: no pgbench run succeeded within 30 s of the last fault (the last said: ${this.load.pgbench.at(-1)?.error ?? 'nothing'})`),
    );
    const requested = await this.pgs.stack.alice.api.post('/v1/access-requests', { connection: SHOP, duration: '10m', reason: 'after the faults' });
    if (requested.status !== 201) problems.push(`4: a new access request answered ${requested.status}`);
    if (gateway.runs.length !== 1 || !gateway.running) problems.push('4: the gateway process was restarted or is gone');
    await this.load.stop();
    for (const victim of this.victims.splice(0)) await victim.stop();
    // 2. Every session ended (the load has stopped) and its end is recorded once.
    const control = this.pgs.stack.database.url;
    await eventually(async () => (await queryDatabase<{ open: string }>(control, 'SELECT count(*) AS open FROM sessions WHERE ended_at IS NULL'))[0]?.open === '0', 30_000).catch(() =>
      problems.push('2: sessions still open 30 s after the load stopped'),
    );
    const wrong = await queryDatabase<{ id: string; closes: string }>(
      control,
      `SELECT s.id, (SELECT count(*) FROM audit_events a WHERE a.action = 'session.closed' AND a.target_id = s.id::text) AS closes FROM sessions s`,
    );
    for (const row of wrong.filter((r) => r.closes !== '1')) problems.push(`2: session ${row.id} has ${row.closes} session.closed events`);
    const recorded = await queryDatabase<{ id: string; connection: string; end_reason: string; event_count: number; stored: string }>(
      control,
      `SELECT s.id, c.name AS connection, s.end_reason, s.event_count, (SELECT count(*) FROM session_events e WHERE e.session_id = s.id) AS stored
       FROM sessions s JOIN connections c ON c.id = s.connection_id WHERE s.event_count > 0`,
    );
    for (const row of recorded) {
      const verified = await this.pgs.stack.admin().get(`/v1/sessions/${row.id}/events/verify`);
      if (verified.body?.ok !== true) {
        problems.push(
          `2: the recording of session ${row.id} (${row.connection}, ${row.end_reason}; ${row.event_count} events said, ${row.stored} stored) does not verify: ${JSON.stringify(verified.body?.problem)}`,
        );
      }
    }
    // 5. Callers were told clearly what happened: a fault is `unavailable`, never an internal error.
    const internal = [...this.load.http.entries()].filter(([outcome]) => outcome.startsWith('500'));
    if (internal.length > 0) problems.push(`5: HTTP callers got internal errors during the faults: ${internal.map(([o, n]) => `${n} × ${o}`).join(', ')}`);
    // 3. The audit chain.
    const audit = await this.pgs.stack.admin().get('/v1/audit/verify');
    if (audit.body?.ok !== true) problems.push(`3: the audit chain does not verify: ${JSON.stringify(audit.body)}`);
    return problems;
  }

  async dispose(): Promise<void> {
    await this.load.stop();
    for (const victim of this.victims.splice(0)) await victim.stop();
    if (this.relay.cut) await this.relay.start();
    this.redis.thaw();
    await this.pgs.dispose();
    await this.relay.cutOff();
    await this.redis.kill();
    await new Promise<void>((resolve) => this.web.close(() => resolve()));
  }

  private async apply(fault: FaultName, step: 'start' | 'clear'): Promise<void> {
    switch (fault) {
      case 'redis-killed':
        return step === 'start' ? this.redis.kill() : this.redis.restart();
      case 'redis-frozen':
        return step === 'start' ? this.redis.freeze() : this.redis.thaw();
      case 'database-cut':
        return step === 'start' ? this.relay.cutOff() : this.relay.start();
    }
  }

  /**
   * Someone with a grant of `seconds`, writing a mark on the target every 50 ms through a Postgres
   * session and sending a byte every 50 ms through a tcp session to the echo target, until cut.
   */
  private async victim(seconds: number) {
    this.victimSerial += 1;
    const who = `victim-${this.victimSerial}`;
    const admin = this.pgs.stack.admin();
    const identity: TestIdentity = await createIdentity(admin, { subject: who, groups: ['dev'] });
    const grant = await requestGrant(identity, SHOP, seconds);
    const echoGrant = await requestGrant(identity, 'echo', seconds);
    const client: pg.Client = this.pgs.client({ token: identity.token, user: who });
    await client.connect();
    const echo = await connectClient(this.pgs.stack.gateway.tcpPort, 'echo', identity.token);
    if (!echo.sessionId) throw new Error(`the victim's tcp session was refused: ${echo.line}`);
    let lastEchoAt: number | undefined;
    echo.socket.on('data', () => {
      lastEchoAt = Date.now();
    });
    let running = true;
    const writing = (async () => {
      while (running) {
        try {
          await client.query('INSERT INTO marks (who) VALUES ($1)', [who]);
        } catch {
          return;
        }
        await sleep(50);
      }
    })();
    const sending = (async () => {
      while (running && !echo.socket.destroyed) {
        echo.socket.write('.');
        await sleep(50);
      }
    })();
    const stop = async () => {
      running = false;
      await Promise.all([writing, sending]);
      echo.socket.destroy();
      await client.end().catch(() => undefined);
    };
    this.victims.push({ stop });
    return {
      grantIds: [grant.id, echoGrant.id],
      expiresAt: grant.expiresAt.getTime(),
      outcome: async (how: VictimOutcome['how'], endedBy: VictimOutcome['endedBy']): Promise<VictimOutcome> => {
        const [row] = await this.pgs.direct<{ last: Date | null }>('SELECT max(at) AS last FROM marks WHERE who = $1', [who]);
        return { who, how, endedBy, lastStatementAt: row?.last ? new Date(row.last).getTime() : undefined, lastEchoAt };
      },
    };
  }
}
