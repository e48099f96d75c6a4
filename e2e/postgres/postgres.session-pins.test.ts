// The settings that change how PostgreSQL reads SQL are pinned at the agent's login (issue 13,
// class 1; packages/pgwire/src/session-pins.ts): whatever the client's startup packet asks for,
// and whatever the server's own configuration says (ALTER DATABASE … SET here, done on the
// target as its owner could), the server session reads SQL with client_encoding UTF8 and
// standard_conforming_strings on. Client encodings that the gateway would read differently from
// the server are refused at login with 0A000. Each case is checked on what the server itself
// reports (SHOW, ParameterStatus), never on the gateway's word.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { BackendType, decodeParameterStatus, encodeStartupMessage } from '@jitgate/pgwire';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { RawPgClient } from '../support/pg-raw-client.js';

let pgs: PostgresStack;
const opened: RawPgClient[] = [];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_pins');
  // The server's defaults for this database turn both settings the wrong way: only the values
  // the agent pins in its startup packet (which outrank database and role settings) keep them.
  await pgs.direct(`ALTER DATABASE ${pgs.targetDatabase} SET standard_conforming_strings = off`);
  await pgs.direct(`ALTER DATABASE ${pgs.targetDatabase} SET client_encoding = 'SJIS'`);
  await pgs.stack.requestGrant(SHOP);
}, 120_000);

afterAll(async () => {
  for (const client of opened.splice(0)) client.destroy();
  await pgs?.dispose();
});

async function raw(): Promise<RawPgClient> {
  const client = await RawPgClient.open(pgs.pgPort);
  opened.push(client);
  return client;
}

/** The last value the server reported for each setting (ParameterStatus) on `client`. */
function reported(client: RawPgClient): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of client.messages()) {
    if (m.type !== BackendType.ParameterStatus) continue;
    const { name, value } = decodeParameterStatus(m.body);
    out[name] = value;
  }
  return out;
}

/** The single value of a one-row, one-column answer (simple protocol, text). */
function scalar(messages: ReturnType<RawPgClient['messages']>): string {
  const row = messages.find((m) => m.type === BackendType.DataRow);
  if (!row) throw new Error('no row');
  const length = row.body.readInt32BE(2);
  return row.body.subarray(6, 6 + length).toString('utf8');
}

const withoutEncoding = (): Record<string, string> => {
  const env = { ...process.env } as Record<string, string>;
  delete env['PGCLIENTENCODING'];
  delete env['PGOPTIONS'];
  return env;
};

describe('client encodings the gateway does not read as the server does are refused at login', () => {
  it.each(['SJIS', 'BIG5', 'GBK'])('psql with PGCLIENTENCODING=%s: a FATAL telling the user to use UTF8, and no session', async (encoding) => {
    const before = (await pgs.sessions({ all: true })).length;
    const result = await pgs.psql(['-At', '-c', 'select 1'], { env: { PGCLIENTENCODING: encoding } });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/FATAL: +jitgate: client_encoding/);
    expect(result.stderr).toContain(encoding);
    expect(result.stderr).toContain('PGCLIENTENCODING=UTF8');
    expect((await pgs.sessions({ all: true })).length).toBe(before);
  });

  it.each(['SJIS', 'Shift_JIS', 'big5', 'GB18030', 'UHC', 'JOHAB', 'LATIN1', 'win1252', 'EUC_JP', 'MULE_INTERNAL', 'auto', 'no-such-encoding'])(
    'client_encoding=%s in a raw startup packet: FATAL 0A000',
    async (encoding) => {
      const client = await raw();
      // Refused before the password is asked for: the token never needs to be sent.
      client.write(encodeStartupMessage({ user: 'alice', database: SHOP, client_encoding: encoding }));
      expect(await client.closedWithin(5_000)).toBe(true);
      expect(client.messages().map((m) => String.fromCharCode(m.type))).toEqual(['E']);
      expect(client.error()).toMatchObject({ S: 'FATAL', C: '0A000', M: expect.stringMatching(/^jitgate: client_encoding .* set it to UTF8/) });
    },
  );

  it.each(['UTF8', 'utf-8', 'Unicode', 'UTF_8', 'SQL_ASCII', 'sql-ascii'])('client_encoding=%s logs in, and the server session is UTF8', async (encoding) => {
    const client = await raw();
    await client.login(pgs.stack.alice.token, SHOP, 'alice', { client_encoding: encoding });
    expect(reported(client)['client_encoding']).toBe('UTF8');
    expect(scalar(await client.query('show client_encoding'))).toBe('UTF8');
  });

  it('psql off a terminal in the C locale (it sends no client_encoding then): the server session is UTF8, not the database default', async () => {
    const result = await pgs.psql(['-At', '-c', 'show client_encoding', '-c', 'select name from customers where id = 1'], { env: { ...withoutEncoding(), LC_ALL: 'C', LANG: 'C' } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['UTF8', 'Ada Lovelace']);
  });

  it('psql with PGCLIENTENCODING=UTF8 works', async () => {
    const result = await pgs.psql(['-At', '-c', 'show client_encoding'], { env: { PGCLIENTENCODING: 'UTF8' } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('UTF8');
  });
});

describe('standard_conforming_strings is on, whatever the client or the server configuration asks', () => {
  it('psql whose PGOPTIONS ask for off (and for SJIS): on, UTF8', async () => {
    const result = await pgs.psql(['-At', '-c', 'show standard_conforming_strings', '-c', 'show client_encoding'], {
      env: { PGCLIENTENCODING: 'UTF8', PGOPTIONS: '-c standard_conforming_strings=off -c client_encoding=SJIS' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['on', 'UTF8']);
  });

  it('node-postgres whose `options` ask for off: on', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: pgs.pgPort, database: SHOP, user: 'alice', password: pgs.stack.alice.token, options: '-c standard_conforming_strings=off' });
    await client.connect();
    try {
      const { rows } = await client.query<{ standard_conforming_strings: string }>('show standard_conforming_strings');
      expect(rows).toEqual([{ standard_conforming_strings: 'on' }]);
    } finally {
      await client.end();
    }
  });

  it('a raw startup packet that names the settings itself: the server reports the pinned values', async () => {
    const client = await raw();
    await client.login(pgs.stack.alice.token, SHOP, 'alice', {
      standard_conforming_strings: 'off',
      default_transaction_read_only: 'off',
      options: '-c standard_conforming_strings=off',
      client_encoding: 'UTF8',
    });
    expect(reported(client)).toMatchObject({ standard_conforming_strings: 'on', client_encoding: 'UTF8' });
    expect(scalar(await client.query('show standard_conforming_strings'))).toBe('on');
    // What a backslash means is what the gateway assumed: a plain character in '…'.
    expect(scalar(await client.query("select length('\\'';')"))).toBe('3');
  });
});
