// The serving side against a real client: a tiny in-test server built only from this package
// answers psql (SSL refused, cleartext password, one query). This pins that the backend
// encoders and the startup-mode framer are what libpq expects.
import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationOk,
  encodeBackendKeyData,
  encodeCommandComplete,
  encodeDataRow,
  encodeErrorResponse,
  encodeParameterStatus,
  encodeReadyForQuery,
  encodeRowDescription,
} from './backend-encoders.js';
import { decodeFrontendMessage, decodePasswordMessage } from './frontend-decoders.js';
import { MessageReader } from './message-reader.js';
import { parseStartupPacket } from './startup.js';
import { SqlState } from './sql-state.js';
import { PG_BIN } from './testing/pg-cluster.js';

const run = promisify(execFile);
const seen: string[] = [];

function serve(socket: Socket): void {
  const reader = new MessageReader({ maxMessageBytes: 1 << 20, expectStartup: true });
  let user = '';
  let authenticated = false;
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    for (let m = reader.next(); m; m = reader.next()) {
      if (m.type === 0) {
        const p = parseStartupPacket(m.body);
        if (p.kind === 'ssl' || p.kind === 'gssenc') {
          seen.push(p.kind);
          socket.write('N');
        } else if (p.kind === 'startup') {
          user = p.params.user ?? '';
          socket.write(encodeAuthenticationCleartextPassword());
        } else socket.destroy();
        continue;
      }
      if (!authenticated) {
        if (decodePasswordMessage(m.body) !== 'grant-token') {
          socket.end(encodeErrorResponse({ severity: 'FATAL', code: SqlState.invalid_password, message: `password authentication failed for user "${user}"` }));
          return;
        }
        authenticated = true;
        socket.write(
          Buffer.concat([
            encodeAuthenticationOk(),
            encodeParameterStatus('server_version', '15.0'),
            encodeParameterStatus('client_encoding', 'UTF8'),
            encodeParameterStatus('server_encoding', 'UTF8'),
            encodeParameterStatus('standard_conforming_strings', 'on'),
            encodeParameterStatus('DateStyle', 'ISO, MDY'),
            encodeParameterStatus('integer_datetimes', 'on'),
            encodeBackendKeyData(4242, Buffer.from([1, 2, 3, 4])),
            encodeReadyForQuery('I'),
          ]),
        );
        continue;
      }
      const msg = decodeFrontendMessage(m.type, m.body);
      if (msg.type === 'Terminate') {
        socket.end();
        return;
      }
      if (msg.type === 'Query') {
        seen.push(msg.msg.sql);
        socket.write(
          Buffer.concat([
            encodeRowDescription([{ name: 'who', tableOid: 0, columnAttr: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }]),
            encodeDataRow([`masked:${user}`]),
            encodeDataRow([null]),
            encodeCommandComplete('SELECT 2'),
            encodeReadyForQuery('I'),
          ]),
        );
      }
    }
  });
  socket.on('error', () => socket.destroy());
}

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function psql(password: string): Promise<{ stdout: string; stderr: string }> {
  return run(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'alice', '-d', 'app', '-c', 'SELECT who'], {
    env: { ...process.env, PGPASSWORD: password, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '5' },
  });
}

describe('serving psql', () => {
  it('answers SSLRequest with N, takes a cleartext password and returns rows', async () => {
    const { stdout } = await psql('grant-token');
    expect(stdout.split('\n')).toEqual(['masked:alice', '', '']);
    expect(seen).toContain('ssl');
    expect(seen).toContain('SELECT who');
  });

  it('reports a FATAL 28P01 that psql prints', async () => {
    const err = await psql('wrong').then(
      () => undefined,
      (e: unknown) => e as { stderr: string; code: number },
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain('password authentication failed for user "alice"');
  });
});
