// Hostile and broken clients on the gateway's Postgres port (issue 4), over raw sockets. Each bad
// session ends with a FATAL ErrorResponse carrying the right SQLSTATE, or a clean close; the
// gateway stays up (/healthz), and a session opened before the attack keeps working.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { encodeCancelRequest, encodeGSSENCRequest, encodeQuery, encodeSSLRequest, encodeStartupMessage } from '@jitgate/pgwire';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { frame, RawPgClient } from '../support/pg-raw-client.js';

/** The smallest limit the gateway accepts: larger Query messages end the session. */
const MAX_CLIENT_MESSAGE = 65_536;

let pgs: PostgresStack;
let bystander: pg.Client;
const opened: RawPgClient[] = [];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_bad_input', { gatewayEnv: { JITGATE_PG_MAX_CLIENT_MESSAGE_BYTES: String(MAX_CLIENT_MESSAGE) } });
  await pgs.stack.requestGrant(SHOP);
  bystander = pgs.client();
  await bystander.connect();
}, 120_000);

afterEach(async () => {
  for (const client of opened.splice(0)) client.destroy();
  // The gateway is up, and the session opened before the attack still answers.
  const health = await fetch(`${pgs.stack.gateway.baseUrl}/healthz`);
  expect(health.status).toBe(200);
  const { rows } = await bystander.query<{ n: number }>('select count(*)::int as n from customers');
  expect(rows).toEqual([{ n: 3 }]);
});

afterAll(async () => {
  await bystander?.end().catch(() => {});
  await pgs?.dispose();
});

async function raw(): Promise<RawPgClient> {
  const client = await RawPgClient.open(pgs.pgPort);
  opened.push(client);
  return client;
}

async function loggedIn(): Promise<RawPgClient> {
  const client = await raw();
  await client.login(pgs.stack.alice.token, SHOP);
  return client;
}

/** The FATAL the gateway ended the connection with (after byte `offset`), once it closed. */
async function fatal(client: RawPgClient, offset = 0): Promise<Record<string, string>> {
  expect(await client.closedWithin(5_000), 'the gateway closes the connection').toBe(true);
  const error = client.error(offset);
  expect(error, `an ErrorResponse in ${JSON.stringify(client.received.subarray(offset).toString('latin1'))}`).toBeDefined();
  return error as Record<string, string>;
}

async function sessionEnd(client: RawPgClient): Promise<string> {
  const port = client.localPort;
  const session = (await pgs.sessions({ all: true })).find((s) => String(s.clientAddress).endsWith(`:${port}`));
  expect(session, 'the session of the raw client').toBeDefined();
  return (await pgs.stack.endedSession(session!.id)).endReason as string;
}

describe('before login', () => {
  it('garbage instead of a startup packet (an HTTP request): FATAL 08P01', async () => {
    const client = await raw();
    client.write('GET / HTTP/1.1\r\nHost: gateway\r\n\r\n');
    expect(await fatal(client)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a startup packet whose length is below the minimum: FATAL 08P01', async () => {
    const client = await raw();
    client.write(Buffer.from([0, 0, 0, 4, 0, 3, 0, 0]));
    expect(await fatal(client)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a startup packet with an unknown protocol version: FATAL, no session', async () => {
    const client = await raw();
    const body = Buffer.from('\0\x09\0\0user\0alice\0\0', 'latin1');
    const packet = Buffer.alloc(4 + body.length);
    packet.writeInt32BE(packet.length);
    body.copy(packet, 4);
    client.write(packet);
    const error = await fatal(client);
    expect(error['S']).toBe('FATAL');
    expect(['08P01', '0A000']).toContain(error['C']);
  });

  it('a truncated startup packet, then close: the gateway closes too', async () => {
    const client = await raw();
    client.socket.end(encodeStartupMessage({ user: 'alice', database: SHOP }).subarray(0, 12));
    expect(await client.closedWithin(5_000)).toBe(true);
  });

  it('a second SSLRequest after the answer N: FATAL 08P01 (as PostgreSQL does)', async () => {
    const client = await raw();
    client.write(encodeSSLRequest());
    await client.until(() => client.received.length >= 1, 'the answer to the SSLRequest');
    expect(client.received.subarray(0, 1).toString()).toBe('N');
    client.write(encodeSSLRequest());
    expect(await fatal(client, 1)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a second GSSENCRequest after the answer N: FATAL 08P01', async () => {
    const client = await raw();
    client.write(encodeGSSENCRequest());
    await client.until(() => client.received.length >= 1, 'the answer to the GSSENCRequest');
    expect(client.received.subarray(0, 1).toString()).toBe('N');
    client.write(encodeGSSENCRequest());
    expect(await fatal(client, 1)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('garbage right after an SSLRequest, in the same packet: N, then FATAL 08P01', async () => {
    const client = await raw();
    client.write(Buffer.concat([encodeSSLRequest(), Buffer.from('\x16\x03\x01 not a startup packet at all', 'latin1')]));
    await client.until(() => client.received.length >= 1, 'the answer to the SSLRequest');
    expect(client.received.subarray(0, 1).toString()).toBe('N');
    expect(await fatal(client, 1)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a password message of another type: FATAL 08P01', async () => {
    const client = await raw();
    client.write(encodeStartupMessage({ user: 'alice', database: SHOP }));
    await client.until(() => client.received.length >= 9, 'the password request');
    const offset = client.received.length;
    client.write(encodeQuery('select 1'));
    expect(await fatal(client, offset)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a password message without its terminator: FATAL 08P01', async () => {
    const client = await raw();
    client.write(encodeStartupMessage({ user: 'alice', database: SHOP }));
    await client.until(() => client.received.length >= 9, 'the password request');
    const offset = client.received.length;
    client.write(frame('p', Buffer.from(pgs.stack.alice.token)));
    expect(await fatal(client, offset)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a CancelRequest with a key that names nothing: a clean close, nothing said', async () => {
    const client = await raw();
    client.write(encodeCancelRequest(12345, Buffer.from([1, 2, 3, 4])));
    expect(await client.closedWithin(5_000)).toBe(true);
    expect(client.received.length).toBe(0);
  });
});

describe('after login', () => {
  it('a message over JITGATE_PG_MAX_CLIENT_MESSAGE_BYTES: FATAL 08P01, recorded as a protocol error', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(frame('Q', Buffer.alloc(1024, 0x20), MAX_CLIENT_MESSAGE * 4));
    expect(await fatal(client, offset)).toMatchObject({ S: 'FATAL', C: '08P01' });
    expect(await sessionEnd(client)).toBe('protocol_error');
  });

  it('a length field below 4: FATAL 08P01', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(frame('Q', Buffer.alloc(0), 2));
    expect(await fatal(client, offset)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('a length field that cuts the Query text short (no terminator): FATAL 08P01', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(frame('Q', Buffer.from('select 1\0'), 5));
    expect(await fatal(client, offset)).toMatchObject({ S: 'FATAL', C: '08P01' });
    expect(await sessionEnd(client)).toBe('protocol_error');
  });

  it('an unknown message type: FATAL 08P01', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    client.write(frame('z', Buffer.from('hello')));
    const error = await fatal(client, offset);
    expect(error).toMatchObject({ S: 'FATAL', C: '08P01' });
    expect(error['M']).toMatch(/unexpected message type "z"/);
  });

  it('a truncated message, then close: the session ends as the client closing it', async () => {
    const client = await loggedIn();
    client.socket.end(frame('Q', Buffer.from('select 1\0')).subarray(0, 7));
    expect(await client.closedWithin(5_000)).toBe(true);
    expect(await sessionEnd(client)).toBe('client_closed');
  });

  it('a FunctionCall: ERROR 42501, never forwarded, and the session goes on', async () => {
    const client = await loggedIn();
    const call = Buffer.alloc(10);
    call.writeInt32BE(1598, 0); // pg_catalog.random(), by OID
    const offset = client.received.length;
    client.write(frame('F', call));
    await client.until(() => client.messages(offset).some((m) => m.type === 0x5a), 'ReadyForQuery after the refused call');
    expect(client.error(offset)).toMatchObject({ S: 'ERROR', C: '42501' });
    expect(client.messages(offset).some((m) => m.type === 0x56)).toBe(false); // no FunctionCallResponse
    const answer = await client.query("select 'still here' as s");
    expect(answer.some((m) => m.type === 0x44 && m.body.includes(Buffer.from('still here')))).toBe(true);
  });
});
