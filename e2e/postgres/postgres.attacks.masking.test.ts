// Issue 13, class 4: when masking applies to a session, a masked value never reaches the caller,
// whatever shape carries it: expressions over the column, row values, other types and formats,
// error messages, the extended protocol with interleaved portals, cursors, prepared statements.
// `name` is masked by column and holds nothing a content detector recognises, so only the
// gateway's reading of the statement (lineage) can keep it in; `email` and `card_number` are
// caught by the detectors too. Each case checks the bytes the client received.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { encodeBind, encodeDescribe, encodeExecute, encodeParse, encodeSync } from '@jitgate/pgwire';
import { RawPgClient } from '../support/pg-raw-client.js';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';

let pgs: PostgresStack;
const opened: RawPgClient[] = [];

const GUARDRAILS = [
  {
    name: 'shop-masking',
    match: { connection: { names: [SHOP] } },
    masking: { columns: ['name', 'card_number'], detectors: ['email', 'phone', 'payment_card', 'national_id'] },
  },
];

/** What must never reach the client: the names (masked by column only), and the cards and e-mails. */
const SECRETS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Lovelace', '4111 1111 1111 1111', '378282246310005', 'ada@example.com', 'alan@example.com'];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_attacks_masking', { guardrails: GUARDRAILS });
  await pgs.stack.requestGrant(SHOP);
}, 120_000);

afterEach(() => {
  for (const client of opened.splice(0)) client.destroy();
});

afterAll(async () => {
  await pgs?.dispose();
});

/** The letters shifted by one, as the `translate` case writes them. */
const shifted = (s: string) => s.replace(/[a-z]/g, (c) => (c === 'z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1)));

/** Every secret in every spelling a client could decode it from: text, hex (bytea), base64, reversed, shifted. */
function leaks(received: Buffer): string[] {
  const text = received.toString('latin1');
  const found: string[] = [];
  for (const secret of SECRETS) {
    const spellings = [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64').slice(0, 12), [...secret].reverse().join(''), shifted(secret.toLowerCase())];
    if (spellings.some((s) => text.includes(s) || text.toLowerCase().includes(s.toLowerCase()))) found.push(secret);
  }
  return found;
}

async function loggedIn(): Promise<RawPgClient> {
  const client = await RawPgClient.open(pgs.pgPort);
  opened.push(client);
  await client.login(pgs.stack.alice.token, SHOP);
  return client;
}

describe('a masked column stays masked through whatever reads it', () => {
  it.each([
    ['an alias', 'SELECT name AS x FROM customers'],
    ['a function', 'SELECT upper(name) FROM customers'],
    ['concatenation', "SELECT name || '' AS x, 'id ' || id AS y FROM customers"],
    ['a character map', "SELECT translate(name, 'abcdefghijklmnopqrstuvwxyz', 'bcdefghijklmnopqrstuvwxyza') FROM customers"],
    ['reversal', 'SELECT reverse(name) FROM customers'],
    ['a row value', 'SELECT ROW(email, card_number) FROM customers'],
    ['a row value of the masked-by-name column', 'SELECT ROW(id, name) FROM customers'],
    ['a whole-row reference', 'SELECT c FROM customers c'],
    ['a whole row as JSON', 'SELECT row_to_json(c) FROM customers c'],
    ['a field of a whole row', 'SELECT (c).name FROM customers c'],
    ['an array', 'SELECT array_agg(name) FROM customers'],
    ['a string aggregate', "SELECT string_agg(name, ',') FROM customers"],
    ['bytea', "SELECT convert_to(card_number, 'UTF8') AS c, convert_to(name, 'UTF8') AS n FROM customers"],
    ['base64', "SELECT encode(convert_to(name, 'UTF8'), 'base64') FROM customers"],
    ['hex', "SELECT encode(convert_to(name, 'UTF8'), 'hex') FROM customers"],
    ['XML', 'SELECT xmlelement(name x, name) FROM customers'],
    ['XML forest', 'SELECT xmlforest(name, email) FROM customers'],
    ['a table as a document', "SELECT table_to_xml('customers', true, false, '')"],
    ['JSON built from the column', "SELECT json_build_object('n', name) FROM customers"],
    ['a subquery', 'SELECT x FROM (SELECT name AS x FROM customers) s'],
    ['a star over a subquery', 'SELECT * FROM (SELECT name AS x FROM customers) s'],
    ['a CTE', 'WITH s AS (SELECT name AS x FROM customers) SELECT * FROM s'],
    ['a scalar subquery', 'SELECT (SELECT name FROM customers ORDER BY id LIMIT 1) AS x'],
    ['a UNION whose first arm names the column', "SELECT 'harmless' AS x UNION ALL SELECT name FROM customers"],
    ['a column alias list', 'SELECT n FROM customers AS c(i, n)'],
    ['a star over renamed columns', 'SELECT * FROM customers AS c(i, n)'],
    ['a lateral subquery', 'SELECT x FROM customers, LATERAL (SELECT customers.name AS x) s'],
    ['a window function', 'SELECT lag(name) OVER (ORDER BY id) FROM customers'],
    ['a cast', 'SELECT name::varchar(100) AS x FROM customers'],
    ['RETURNING', 'UPDATE customers SET balance = balance WHERE id > 0 RETURNING name AS x'],
    ['VALUES', 'VALUES ((SELECT name FROM customers ORDER BY id LIMIT 1))'],
  ])('%s: %s', async (_what, sql) => {
    const client = await loggedIn();
    const offset = client.received.length;
    await client.query(sql);
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });
});

describe('other channels', () => {
  it('an error message that quotes a masked value', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    await client.query('SELECT name::int FROM customers');
    expect(client.error(offset)?.['C']).toBe('22P02');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
    // The content detectors clean every field of errors and notices too.
    const second = client.received.length;
    await client.query("SELECT 'mail alan@example.com'::int");
    expect(leaks(client.received.subarray(second))).toEqual([]);
  });

  it('a cursor declared over a masked column, fetched by SQL and by the protocol', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    await client.query('BEGIN');
    await client.query('DECLARE c1 CURSOR FOR SELECT name AS x FROM customers');
    await client.query('FETCH 2 FROM c1');
    client.write(Buffer.concat([encodeDescribe('P', 'c1'), encodeExecute('c1', 0), encodeSync()]));
    await client.until(() => client.messages(offset).filter((m) => m.type === 0x5a).length >= 4, 'the protocol fetch');
    await client.query('COMMIT');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });

  it('a statement prepared with SQL PREPARE and run with EXECUTE', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    await client.query('PREPARE p1 AS SELECT name AS x FROM customers');
    await client.query('EXECUTE p1');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });

  it('portals and their descriptions interleaved in one batch', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(
      Buffer.concat([
        encodeParse('s_secret', 'SELECT name, card_number, email FROM customers'),
        encodeParse('s_plain', 'SELECT 1 AS a, 2 AS b, 3 AS c'),
        encodeBind({ portal: 'p_secret', statement: 's_secret' }),
        encodeBind({ portal: 'p_plain', statement: 's_plain' }),
        encodeDescribe('P', 'p_secret'),
        encodeDescribe('P', 'p_plain'),
        encodeExecute('p_secret', 0),
        encodeExecute('p_plain', 0),
        encodeSync(),
      ]),
    );
    await client.until(() => client.messages(offset).some((m) => m.type === 0x5a), 'the batch');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });

  it('a suspended portal fetched in pieces, with another portal described in between', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(
      Buffer.concat([
        encodeParse('', 'BEGIN'),
        encodeBind({}),
        encodeExecute(''),
        encodeParse('s2_secret', 'SELECT name FROM customers ORDER BY id'),
        encodeBind({ portal: 'p2_secret', statement: 's2_secret' }),
        encodeDescribe('P', 'p2_secret'),
        encodeExecute('p2_secret', 1),
        encodeParse('s2_plain', "SELECT 'plain' AS label"),
        encodeBind({ portal: 'p2_plain', statement: 's2_plain' }),
        encodeDescribe('P', 'p2_plain'),
        encodeExecute('p2_secret', 5),
        encodeExecute('p2_plain', 0),
        encodeSync(),
      ]),
    );
    await client.until(() => client.messages(offset).some((m) => m.type === 0x5a), 'the batch');
    await client.query('COMMIT');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });

  it('results in binary format', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(Buffer.concat([encodeParse('', 'SELECT name, email, card_number, name::bytea AS b, ROW(name) AS r FROM customers'), encodeBind({ resultFormats: [1] }), encodeExecute(''), encodeSync()]));
    await client.until(() => client.messages(offset).some((m) => m.type === 0x5a), 'the answer');
    expect(leaks(client.received.subarray(offset))).toEqual([]);
  });

  it('LISTEN is refused where columns are masked (a notification has no column name to mask by)', async () => {
    const client = pgs.client();
    await client.connect();
    try {
      await expect(client.query('LISTEN leak').catch((e: pg.DatabaseError) => e.message)).resolves.toMatch(/^jitgate: /);
    } finally {
      await client.end();
    }
  });

  it('COPY out of a masked column stays refused', async () => {
    const result = await pgs.psql(['-c', 'COPY (SELECT name AS x FROM customers) TO STDOUT']);
    expect(result.code).not.toBe(0);
    expect(leaks(Buffer.from(result.stdout + result.stderr))).toEqual([]);
  });
});

describe('what masking leaves alone', () => {
  it('unmasked columns and numbers still arrive as they are', async () => {
    const client = pgs.client();
    await client.connect();
    try {
      const { rows } = await client.query('SELECT id, balance, phone IS NOT NULL AS has_phone, length(name) AS n FROM customers ORDER BY id');
      // length(name) derives from a masked column: masked too (NULL: a number cannot hold a marker).
      expect(rows[0]).toEqual({ id: 1, balance: 120, has_phone: true, n: null });
    } finally {
      await client.end();
    }
  });
});
