// The codec and ClientAuthenticator against a real PostgreSQL 15 (a throwaway cluster with one
// role per authentication method).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCommandComplete, decodeDataRow, decodeErrorResponse, decodeParameterDescription, decodeReadyForQuery, decodeRowDescription, summarizeNotice } from './backend-decoders.js';
import { decodeBackendMessage } from './backend-message.js';
import { encodeCancelRequest } from './startup.js';
import { encodeBind, encodeDescribe, encodeExecute, encodeParse, encodeQuery, encodeSync, encodeTerminate } from './frontend-encoders.js';
import { BackendType } from './message-types.js';
import { SqlState } from './sql-state.js';
import { startTestCluster, type TestCluster } from './testing/pg-cluster.js';
import { WireConnection } from './testing/wire-connection.js';

const roles = [
  { name: 'scram_user', password: 'scram-secret', method: 'scram-sha-256' as const },
  { name: 'md5_user', password: 'md5-secret', method: 'md5' as const },
  { name: 'clear_user', password: 'clear-secret', method: 'password' as const },
  { name: 'unicode_user', password: 'pässwörd', method: 'scram-sha-256' as const },
];

let cluster: TestCluster;
const open: WireConnection[] = [];

async function connection(): Promise<WireConnection> {
  const c = await WireConnection.open(cluster.host, cluster.port);
  open.push(c);
  return c;
}

async function loggedIn(): Promise<WireConnection> {
  const c = await connection();
  const r = await c.login('scram_user', 'scram-secret');
  expect(r.ok).toBe(true);
  return c;
}

beforeAll(async () => {
  cluster = await startTestCluster(roles);
}, 120_000);

afterAll(async () => {
  for (const c of open) c.close();
  await cluster?.stop();
}, 60_000);

describe('login against PostgreSQL 15', () => {
  it.each(roles)('logs in as $name ($method)', async ({ name, password }) => {
    const c = await connection();
    const r = await c.login(name, password);
    if (!r.ok) throw new Error(`login failed: ${JSON.stringify(r.error)}`);
    expect(r.parameters.server_version).toMatch(/^15\./);
    expect(r.parameters.client_encoding).toBe('UTF8');
    expect(r.keyData?.secretKey.length).toBe(4);
    c.send(encodeTerminate());
  });

  it.each(roles.slice(0, 3))('a wrong password for $name yields 28P01', async ({ name }) => {
    const c = await connection();
    const r = await c.login(name, 'not-the-password');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const s = summarizeNotice(r.error);
    expect(s).toMatchObject({ severity: 'FATAL', code: SqlState.invalid_password });
    expect(s.message).toContain(name);
  });

  it('an unknown role is rejected by pg_hba with 28000', async () => {
    const c = await connection();
    const r = await c.login('nobody', 'x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.C).toBe(SqlState.invalid_authorization_specification);
  });
});

describe('queries against PostgreSQL 15', () => {
  it('runs a simple Query and decodes RowDescription, DataRow, CommandComplete, ReadyForQuery', async () => {
    const c = await loggedIn();
    c.send(encodeQuery(`SELECT 1::int4 AS one, 'héllo'::text AS t, NULL::text AS n FROM generate_series(1, 3)`));
    const frames = await c.untilReady();
    expect(frames.map((f) => String.fromCharCode(f.type)).join('')).toBe('TDDDCZ');
    const fields = decodeRowDescription(frames[0]!.body);
    expect(fields.map((f) => [f.name, f.typeOid, f.typeSize, f.format])).toEqual([
      ['one', 23, 4, 0],
      ['t', 25, -1, 0],
      ['n', 25, -1, 0],
    ]);
    const row = decodeDataRow(frames[1]!.body);
    expect(row.map((v) => v?.toString('utf8') ?? null)).toEqual(['1', 'héllo', null]);
    expect(decodeCommandComplete(frames[4]!.body)).toBe('SELECT 3');
    expect(decodeReadyForQuery(frames[5]!.body)).toBe('I');
  });

  it('runs Parse/Bind/Describe/Execute/Sync with a text and a binary result', async () => {
    const c = await loggedIn();
    c.send(
      Buffer.concat([
        encodeParse('s1', 'SELECT $1::int4 + 1 AS r, $2::text AS t', [23, 0]),
        encodeDescribe('S', 's1'),
        encodeBind({ statement: 's1', params: ['41', null], resultFormats: [1, 0] }),
        encodeExecute('', 0),
        encodeSync(),
      ]),
    );
    const frames = await c.untilReady();
    expect(frames.map((f) => String.fromCharCode(f.type)).join('')).toBe('1tT2DCZ');
    expect(decodeParameterDescription(frames[1]!.body)).toEqual([23, 25]);
    expect(decodeRowDescription(frames[2]!.body).map((f) => f.name)).toEqual(['r', 't']);
    const row = decodeDataRow(frames[4]!.body);
    expect(row[0]!.readInt32BE(0)).toBe(42);
    expect(row[1]).toBeNull();
    expect(decodeCommandComplete(frames[5]!.body)).toBe('SELECT 1');
    expect(frames.map((f) => decodeBackendMessage(f.type, f.body).type)).toEqual(['ParseComplete', 'ParameterDescription', 'RowDescription', 'BindComplete', 'DataRow', 'CommandComplete', 'ReadyForQuery']);
  });

  it('decodes a syntax error and a failed transaction status', async () => {
    const c = await loggedIn();
    c.send(encodeQuery('BEGIN'));
    expect(decodeReadyForQuery((await c.untilReady()).at(-1)!.body)).toBe('T');
    // the whole string is parsed before anything runs, hence a separate BEGIN above
    c.send(encodeQuery('SELEC 1'));
    const frames = await c.untilReady();
    const err = frames.find((f) => f.type === BackendType.ErrorResponse)!;
    expect(decodeErrorResponse(err.body)).toMatchObject({ S: 'ERROR', V: 'ERROR', C: SqlState.syntax_error });
    expect(decodeReadyForQuery(frames.at(-1)!.body)).toBe('E');
  });

  it('cancels a running query with the BackendKeyData key', async () => {
    const c = await connection();
    const r = await c.login('scram_user', 'scram-secret');
    if (!r.ok || !r.keyData) throw new Error('login failed');
    c.send(encodeQuery('SELECT pg_sleep(30)'));
    await new Promise((res) => setTimeout(res, 200));
    const k = await connection();
    k.send(encodeCancelRequest(r.keyData.processId, r.keyData.secretKey));
    const frames = await c.untilReady();
    const err = frames.find((f) => f.type === BackendType.ErrorResponse)!;
    expect(decodeErrorResponse(err.body).C).toBe(SqlState.query_canceled);
  });
});
