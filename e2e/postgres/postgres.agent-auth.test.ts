// The agent's own login to a real server that wants a password (issue 4): a throwaway cluster
// (packages/pgwire/testing) with a SCRAM-SHA-256 role and an MD5 role, whose passwords only the
// agent holds (its environment). Queries work through the gateway; a wrong password the agent
// holds gives the client a clear FATAL that names neither the password nor the database user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '@jitgate/pgwire/testing';
import { PostgresStack } from '../support/postgres-stack.js';

const SCRAM_USER = 'svc_scram_reader';
const SCRAM_PASSWORD = 'Scr4m-only-the-agent-knows';
const MD5_USER = 'svc_md5_reader';
const MD5_PASSWORD = 'md5-only-the-agent-knows';
const WRONG_PASSWORD = 'not-the-password-at-all';

let cluster: TestCluster;
let pgs: PostgresStack;

beforeAll(async () => {
  cluster = await startTestCluster([
    { name: SCRAM_USER, password: SCRAM_PASSWORD, method: 'scram-sha-256' },
    { name: MD5_USER, password: MD5_PASSWORD, method: 'md5' },
  ]);
  await cluster.psql(`CREATE TABLE stock (sku text PRIMARY KEY, qty integer); INSERT INTO stock VALUES ('A-1', 7), ('B-2', 0); GRANT SELECT ON stock TO ${SCRAM_USER}, ${MD5_USER}`);
  const settings = (user: string) => ({ host: cluster.host, port: cluster.port, database: 'postgres', user, sslmode: 'disable' });
  pgs = await PostgresStack.start('pg_agent_auth', {
    extraConnections: [
      { name: 'stock-scram', settings: settings(SCRAM_USER), credentialRef: 'env:STOCK_SCRAM_PASSWORD' },
      { name: 'stock-md5', settings: settings(MD5_USER), credentialRef: 'env:STOCK_MD5_PASSWORD' },
      { name: 'stock-wrong', settings: settings(SCRAM_USER), credentialRef: 'env:STOCK_WRONG_PASSWORD' },
    ],
    agentEnv: { STOCK_SCRAM_PASSWORD: SCRAM_PASSWORD, STOCK_MD5_PASSWORD: `${MD5_PASSWORD}\n`, STOCK_WRONG_PASSWORD: WRONG_PASSWORD },
  });
  for (const name of ['stock-scram', 'stock-md5', 'stock-wrong']) await pgs.stack.requestGrant(name);
}, 180_000);

afterAll(async () => {
  await pgs?.dispose();
  await cluster?.stop();
});

describe('the agent logs in to the server with the password it holds', () => {
  it.each([
    ['stock-scram', SCRAM_USER],
    ['stock-md5', MD5_USER],
  ])("%s: queries run as the connection's user", async (connection, user) => {
    const client = pgs.client({ database: connection });
    await client.connect();
    try {
      const { rows } = await client.query<{ who: string; qty: number }>('select current_user as who, qty from stock where sku = $1', ['A-1']);
      expect(rows).toEqual([{ who: user, qty: 7 }]);
      // The client's own user name (alice) never reaches the server.
      const { rows: apps } = await client.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where usename = 'alice'");
      expect(apps).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });

  it('psql works the same way through SCRAM', async () => {
    const result = await pgs.psql(['-At', '-c', "select sku || '=' || qty from stock order by sku"], { database: 'stock-scram' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['A-1=7', 'B-2=0']);
  });

  it('a wrong password at the agent: a clear FATAL that names neither the password nor the user', async () => {
    const client = pgs.client({ database: 'stock-wrong' });
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e as { code?: string; severity?: string; message: string; detail?: string },
    );
    expect(error).toBeDefined();
    console.log(`wrong password at the agent: the client read ${error!.code} "${error!.message}"`);
    expect(error).toMatchObject({ severity: 'FATAL' });
    expect(error!.code).toMatch(/^(08001|28P01|28000)$/);
    expect(error!.message).toMatch(/refused the agent's login/);
    const everything = JSON.stringify(error) + error!.message;
    for (const secret of [WRONG_PASSWORD, SCRAM_PASSWORD, SCRAM_USER]) expect(everything).not.toContain(secret);

    const psql = await pgs.psql(['-c', 'select 1'], { database: 'stock-wrong' });
    expect(psql.code).not.toBe(0);
    expect(psql.stderr).toMatch(/FATAL:.*refused the agent's login/);
    for (const secret of [WRONG_PASSWORD, SCRAM_USER]) expect(psql.stderr).not.toContain(secret);
  });
});
