// Issue 13, class 1: the gateway must read every statement as the server reads it. The settings
// that change how PostgreSQL reads SQL (standard_conforming_strings, client_encoding) are pinned
// when the agent logs in; every way a caller could change them is refused; the server's own
// ParameterStatus reports are the ground truth (a changed value ends the session), and a statement
// whose reading depends on them waits until the server has reported everything before it.
// Every attack is checked on the target: the table a hidden DROP aims at is still there.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeBind, encodeExecute, encodeParse, encodeQuery, encodeSync } from '@jitgate/pgwire';
import { eventually } from '@jitgate/testkit';
import { frame, RawPgClient } from '../support/pg-raw-client.js';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';

let pgs: PostgresStack;
const opened: RawPgClient[] = [];

const GUARDRAILS = [
  {
    name: 'shop-sql',
    match: { connection: { names: [SHOP] } },
    sql: { block: ['drop', 'truncate', 'delete_without_where'], unparseable: 'refuse' },
  },
];

/** The hidden statement: under standard_conforming_strings=off the first literal ends after \' and DROP runs. */
const HIDDEN_DROP = "SELECT '\\''; DROP TABLE victim; --'";

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_attacks_lexical', { guardrails: GUARDRAILS });
  await pgs.stack.requestGrant(SHOP);
  // A function on the server (made by its owner, not through jitgate) that changes how the
  // session reads SQL: the gateway cannot see inside it.
  await pgs.asOwner(`CREATE FUNCTION sneaky_scs() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$`);
}, 120_000);

afterEach(async () => {
  for (const client of opened.splice(0)) client.destroy();
  await pgs.asOwner('CREATE TABLE IF NOT EXISTS victim (id int)');
});

afterAll(async () => {
  await pgs?.dispose();
});

async function victimExists(): Promise<boolean> {
  const rows = await pgs.direct<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'victim'");
  return rows[0]?.n === 1;
}

async function loggedIn(): Promise<RawPgClient> {
  const client = await RawPgClient.open(pgs.pgPort);
  opened.push(client);
  await client.login(pgs.stack.alice.token, SHOP);
  return client;
}

/** The error of a Query's answer (the messages after `offset`), if any. */
function errorOf(client: RawPgClient, offset: number): Record<string, string> | undefined {
  return client.error(offset);
}

describe('the settings that change how SQL is read cannot be changed by the caller', () => {
  beforeAll(async () => {
    await pgs.asOwner('CREATE TABLE IF NOT EXISTS victim (id int)');
  });

  it.each([
    ['SET standard_conforming_strings = off'],
    ['SET SESSION standard_conforming_strings TO off'],
    ['SET LOCAL standard_conforming_strings = off'],
    ["SELECT set_config('standard_conforming_strings', 'off', false)"],
    ["SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false)"],
    ["SELECT set_config(lower('STANDARD_CONFORMING_STRINGS'), 'off', false)"],
    ["SET client_encoding = 'SJIS'"],
    ["SET NAMES 'BIG5'"],
    ["SELECT set_config('client_encoding', 'GBK', false)"],
    ['ALTER DATABASE CURRENT_DATABASE SET standard_conforming_strings = off'],
    ['ALTER ROLE CURRENT_USER SET standard_conforming_strings = off'],
  ])('refuses %s, and the hidden DROP after it does not run', async (sql) => {
    // Without ON_ERROR_STOP: psql sends the DROP even after the first command failed.
    const result = await pgs.psql(['-v', 'ON_ERROR_STOP=0', '-c', sql, '-c', HIDDEN_DROP]);
    expect(result.stderr).toMatch(/jitgate: /);
    expect(await victimExists()).toBe(true);
  });

  it('pins them whatever the client asks for in its startup packet', async () => {
    const client = await RawPgClient.open(pgs.pgPort);
    opened.push(client);
    const { encodeStartupMessage, encodePasswordMessage } = await import('@jitgate/pgwire');
    client.write(encodeStartupMessage({ user: 'alice', database: SHOP, standard_conforming_strings: 'off', options: '-c standard_conforming_strings=off' }));
    await client.until(() => client.messages().some((m) => m.type === 0x52), 'the password request');
    client.write(encodePasswordMessage(pgs.stack.alice.token));
    await client.until(() => client.messages().some((m) => m.type === 0x5a), 'the end of login');
    const offset = client.received.length;
    await client.query('SHOW standard_conforming_strings');
    expect(client.received.subarray(offset).toString('latin1')).toContain('\0\0\0\x02on');
    await client.query(HIDDEN_DROP);
    expect(await victimExists()).toBe(true);
  });
});

describe('the server is the ground truth', () => {
  beforeAll(async () => {
    await pgs.asOwner('CREATE TABLE IF NOT EXISTS victim (id int)');
  });

  it('a server-side function that changes standard_conforming_strings ends the session, recorded', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(encodeQuery('SELECT sneaky_scs()'));
    expect(await client.closedWithin(5_000)).toBe(true);
    expect(errorOf(client, offset)).toMatchObject({ S: 'FATAL', M: expect.stringMatching(/^jitgate: .*standard_conforming_strings/) });
    const session = await eventually(async () => (await pgs.sessions({ all: true })).find((s) => String(s.clientAddress).endsWith(`:${client.localPort}`) && !s.active) ?? null);
    expect(session.endReason).toBe('protocol_error');
    const events = await pgs.events(session.id);
    expect(events.some((e) => JSON.stringify(e).includes('standard_conforming_strings'))).toBe(true);
  });

  it('a pipelined Query whose reading depends on the setting waits until the server has answered what came before: the session ends first', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    // Both at once, without waiting: the gateway must not read the second under a setting the
    // first changes before the server reads it.
    client.write(Buffer.concat([encodeQuery('SELECT sneaky_scs()'), encodeQuery(HIDDEN_DROP)]));
    expect(await client.closedWithin(5_000)).toBe(true);
    expect(errorOf(client, offset)).toMatchObject({ S: 'FATAL' });
    expect(await victimExists()).toBe(true);
  });

  it('in one extended-protocol batch, a statement after an Execute whose reading depends on the setting is refused', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    // "SELECT 'x\'' , 1 --'" reads as one literal under off; the point is only that its reading
    // differs: the gateway cannot know the setting in the middle of a batch.
    client.write(Buffer.concat([encodeParse('', 'SELECT sneaky_scs()'), encodeBind({}), encodeExecute(''), encodeParse('', "SELECT 'x\\'', 1 --'"), encodeBind({}), encodeExecute(''), encodeSync()]));
    await client.until(() => client.messages(offset).some((m) => m.type === 0x45), 'an error');
    expect(await victimExists()).toBe(true);
    expect(errorOf(client, offset)?.['M']).toMatch(/^jitgate: /);
  });
});

describe('client encodings', () => {
  beforeAll(async () => {
    await pgs.asOwner('CREATE TABLE IF NOT EXISTS victim (id int)');
  });

  it('a Query that is not valid UTF-8 is refused before the server reads it (0x95 0x5C is one character in SJIS)', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    const sql = Buffer.concat([Buffer.from("SELECT E'", 'latin1'), Buffer.from([0x95, 0x5c]), Buffer.from("'; DROP TABLE victim; --'", 'latin1'), Buffer.from([0])]);
    client.write(frame('Q', sql));
    await client.until(() => client.messages(offset).some((m) => m.type === 0x5a || m.type === 0x45), 'an answer');
    expect(errorOf(client, offset)?.['M']).toMatch(/^jitgate: .*UTF-8/);
    expect(await victimExists()).toBe(true);
  });

  it('psql with a client encoding the gateway does not read as the server does is refused at login', async () => {
    for (const encoding of ['SJIS', 'BIG5', 'GBK']) {
      const result = await pgs.psql(['-c', 'select 1'], { env: { PGCLIENTENCODING: encoding } });
      expect(result.code, encoding).not.toBe(0);
      expect(result.stderr, encoding).toMatch(/UTF8/);
    }
    const fine = await pgs.psql(['-At', '-c', 'show client_encoding'], { env: { PGCLIENTENCODING: 'UTF8' } });
    expect(fine.stdout.trim()).toBe('UTF8');
  });
});
