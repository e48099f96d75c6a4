// The Postgres protocol through the gateway with real clients (issue 4): COPY both ways,
// cancellation (a raw CancelRequest with the key the client was given, and psql on SIGINT),
// values and results far larger than a tunnel frame, notices, and the end of a session.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { encodeCancelRequest } from '@jitgate/pgwire';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { eventually, sleep } from '@jitgate/testkit';

let pgs: PostgresStack;

beforeAll(async () => {
  // DO blocks make the notices of one test; the built-in baseline blocks them unless allowed.
  pgs = await PostgresStack.start('pg_protocol', { guardrails: [{ name: 'notices-from-do', match: { connection: { names: [SHOP] } }, sql: { allow: ['do_block'] } }] });
  await pgs.stack.requestGrant(SHOP);
  await pgs.asOwner('CREATE TABLE copied (id integer PRIMARY KEY, label text, amount numeric(10,2)); CREATE TABLE big (id serial PRIMARY KEY, v text NOT NULL)');
}, 120_000);

afterAll(async () => {
  await pgs?.dispose();
});

async function connected(): Promise<pg.Client> {
  const client = pgs.client();
  await client.connect();
  return client;
}

/** A CancelRequest on a connection of its own, to the gateway, as libpq sends it. */
async function sendCancel(processId: number, secretKey: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port: pgs.pgPort });
  await once(socket, 'connect');
  const key = Buffer.alloc(4);
  key.writeInt32BE(secretKey);
  socket.end(encodeCancelRequest(processId, key));
  await once(socket, 'close');
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

describe('COPY', () => {
  it('COPY FROM STDIN (psql) writes the rows to the target, and is recorded with its row count', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i + 1}\tlabel ${i + 1}\t${(i * 1.25).toFixed(2)}`);
    const result = await pgs.psql(['-f', '-'], { input: `COPY copied (id, label, amount) FROM STDIN;\n${lines.join('\n')}\n\\.\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('COPY 1000');
    const [summary] = await pgs.direct<{ n: number; total: string; last: string }>(`SELECT count(*)::int AS n, sum(amount)::text AS total, max(label) FILTER (WHERE id = 1000) AS last FROM copied`);
    expect(summary).toEqual({ n: 1000, total: ((1.25 * (999 * 1000)) / 2).toFixed(2), last: 'label 1000' });

    const session = await eventually(async () => (await pgs.sessions()).find((s) => !s.active) ?? null);
    const events = await eventually(async () => {
      const list = await pgs.events(session.id);
      return list.find((e) => e.kind === 'statement' && String(e.statement).startsWith('COPY copied')) ? list : null;
    });
    expect(events.find((e) => e.kind === 'statement' && String(e.statement).startsWith('COPY copied'))).toMatchObject({ commandTag: 'COPY 1000', rowCount: 1000, outcome: 'ok' });
  });

  it('COPY TO STDOUT (psql) returns exactly what the target holds', async () => {
    const result = await pgs.psql(['-c', 'COPY (SELECT id, label, amount FROM copied ORDER BY id) TO STDOUT']);
    expect(result.code).toBe(0);
    const direct = await pgs.direct<{ id: number; label: string; amount: string }>('SELECT id, label, amount FROM copied ORDER BY id');
    expect(result.stdout).toBe(direct.map((r) => `${r.id}\t${r.label}\t${r.amount}\n`).join(''));
  });

  it('a COPY FROM STDIN the server rejects midway writes nothing', async () => {
    const result = await pgs.psql(['-f', '-'], { input: 'BEGIN;\nCOPY copied (id, label) FROM STDIN;\n5000\tone\n5001\n\\.\n' });
    // The second line lacks a column: the server fails the COPY, psql stops (ON_ERROR_STOP).
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/missing data for column "label"/);
    expect(await pgs.direct('SELECT id FROM copied WHERE id >= 5000')).toEqual([]);
  });
});

describe('cancellation', () => {
  it('a CancelRequest with the key the client was given cancels pg_sleep(30): 57014, and the session stays usable', async () => {
    const client = await connected();
    try {
      const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
      expect(processID).toBeGreaterThan(0);
      const started = Date.now();
      const sleeping = client.query('select pg_sleep(30)');
      const outcome = sleeping.then(
        () => 'finished',
        (error: { code?: string }) => error.code,
      );
      await sleep(500);
      // A wrong key cancels nothing (and tells the sender nothing).
      await sendCancel(processID, secretKey ^ 1);
      await sleep(500);
      await sendCancel(processID, secretKey);
      expect(await outcome).toBe('57014');
      console.log(`cancel: pg_sleep(30) ended ${Date.now() - started} ms after it started (the right key was sent at ~1000 ms)`);
      expect((await client.query('select 41 + 1 as answer')).rows).toEqual([{ answer: 42 }]);
      const session = await pgs.sessionOf(client);
      const events = await eventually(async () => {
        const list = await pgs.events(session.id);
        return list.some((e) => e.statement === 'select 41 + 1 as answer') ? list : null;
      });
      expect(events.find((e) => e.statement === 'select pg_sleep(30)')).toMatchObject({ outcome: 'error', details: { sqlstate: '57014' } });
    } finally {
      await client.end();
    }
  }, 20_000);

  it('psql cancels its running statement on SIGINT, through the gateway', async () => {
    const result = await pgs.psql(['-c', 'select pg_sleep(30)'], {
      onSpawn: (child) => void sleep(1500).then(() => child.kill('SIGINT')),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/canceling statement due to user request/);
  }, 20_000);
});

describe('large values and results (many tunnel frames)', () => {
  it('a 20 MB text value goes in as a parameter and comes back identical', async () => {
    const client = await connected();
    try {
      const chunk = Array.from({ length: 64 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
      const value = chunk.repeat((20 * 1024 * 1024) / chunk.length) + 'é∑';
      const inserted = await client.query<{ id: number }>('insert into big (v) values ($1) returning id', [value]);
      const id = inserted.rows[0]!.id;
      const [stored] = await pgs.direct<{ len: number; md5: string }>('SELECT length(v) AS len, md5(v) AS md5 FROM big WHERE id = $1', [id]);
      expect(stored).toEqual({ len: value.length, md5: createHash('md5').update(value).digest('hex') });
      const back = await client.query<{ v: string }>('select v from big where id = $1', [id]);
      expect(back.rows).toHaveLength(1);
      expect(sha256(back.rows[0]!.v)).toBe(sha256(value));
    } finally {
      await client.end();
    }
  }, 60_000);

  it('a 200,000-row result arrives whole and in order, and is recorded with its row count', async () => {
    const client = await connected();
    try {
      const sql = 'select g, md5(g::text) as h from generate_series(1, 200000) g';
      const result = await client.query<{ g: number; h: string }>(sql);
      expect(result.rows).toHaveLength(200_000);
      expect(result.rows.every((row, i) => row.g === i + 1)).toBe(true);
      expect(result.rows[199_999]).toEqual({ g: 200_000, h: createHash('md5').update('200000').digest('hex') });
      const session = await pgs.sessionOf(client);
      const event = await eventually(async () => (await pgs.events(session.id)).find((e) => e.statement === sql) ?? null);
      expect(event).toMatchObject({ commandTag: 'SELECT 200000', rowCount: 200_000, outcome: 'ok' });
    } finally {
      await client.end();
    }
  }, 60_000);
});

describe('notices and the end of a session', () => {
  it('RAISE NOTICE reaches the client and is recorded as a notice event', async () => {
    const client = await connected();
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    try {
      await client.query("DO $$ BEGIN RAISE NOTICE 'stock is low: % left', 3; RAISE WARNING 'second one'; END $$");
      expect(notices).toEqual(['stock is low: 3 left', 'second one']);
      const session = await pgs.sessionOf(client);
      const recorded = await eventually(async () => {
        const list = (await pgs.events(session.id)).filter((e) => e.kind === 'notice' && e.details?.message);
        return list.length >= 2 ? list : null;
      });
      expect(recorded.map((e) => e.details)).toEqual([
        { severity: 'NOTICE', sqlstate: '00000', message: 'stock is low: 3 left' },
        { severity: 'WARNING', sqlstate: '01000', message: 'second one' },
      ]);
    } finally {
      await client.end();
    }
  });

  it('a client that vanishes mid-statement: the statement stops on the server, the session ends as client_closed', async () => {
    const client = await connected();
    const session = await pgs.sessionOf(client);
    void client.query('select pg_sleep(25) /* vanished */').catch(() => {});
    const running = () => pgs.direct<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'select pg_sleep(25) /* vanished */'");
    await eventually(async () => (await running())[0]!.n === 1);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await pgs.stack.endedSession(session.id)).endReason).toBe('client_closed');
    await eventually(async () => (await running())[0]!.n === 0, 5_000);
  }, 20_000);

  it('Terminate ends the session as client_closed, and its recording verifies', async () => {
    const client = await connected();
    await client.query('select 1');
    const session = await pgs.sessionOf(client);
    expect(session.active).toBe(true);
    await client.end();
    const row = await pgs.stack.endedSession(session.id);
    expect(row.endReason).toBe('client_closed');
    const verify = await pgs.stack.admin().get(`/v1/sessions/${session.id}/events/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.events).toBeGreaterThanOrEqual(2);
  });
});
