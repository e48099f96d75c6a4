// Real clients through `jitgate connect`: psql speaks the Postgres protocol to the machine's
// PostgreSQL over a `tcp` connection (the tunnel carries it untouched), and garbage sent to the
// gateway's client listener gets the 400 line without disturbing sessions in flight.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPathStack, type CliForwarder } from '../support/data-path-stack.js';
import { rawClient } from '@jitgate/testkit';

const run = promisify(execFile);

describe('data path: real clients', () => {
  let stack: DataPathStack;

  beforeAll(async () => {
    stack = await DataPathStack.start('clients');
    await stack.requestGrant('echo');
    await stack.requestGrant('pg');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  describe('psql through jitgate connect', () => {
    let cli: CliForwarder;
    beforeAll(async () => {
      cli = await stack.connect('pg');
    });

    const psql = (sql: string) =>
      run('psql', ['-h', '127.0.0.1', '-p', String(cli.port), '-U', 'postgres', '-d', 'postgres', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
        env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10' },
        timeout: 20_000,
      });

    it('runs `select 42` against the local PostgreSQL', async () => {
      const before = cli.sessionIds().length;
      const { stdout } = await psql('select 42');
      expect(stdout.trim()).toBe('42');
      // It went through the gateway: one session, recorded with bytes both ways.
      const sessionId = cli.sessionIds()[before] as string;
      expect(sessionId).toBeDefined();
      const row = await stack.endedSession(sessionId);
      expect(row).toMatchObject({ connection: 'pg', endReason: expect.stringMatching(/^(client_closed|target_closed)$/) });
      expect(row.bytesUp).toBeGreaterThan(0);
      expect(row.bytesDown).toBeGreaterThan(0);
    });

    it('carries a larger result and a server-side error intact', async () => {
      const { stdout } = await psql("select md5(string_agg(g::text, ',')) from generate_series(1, 200000) g");
      const expected = createHash('md5')
        .update(Array.from({ length: 200000 }, (_, i) => String(i + 1)).join(','))
        .digest('hex');
      expect(stdout.trim()).toBe(expected);
      await expect(psql('select 1/0')).rejects.toMatchObject({ stderr: expect.stringMatching(/division by zero/) });
    });
  });

  describe('malformed input on the client listener', () => {
    it('answers garbage with the 400 line while another session keeps flowing intact', async () => {
      const cli = await stack.connect('echo');
      const session = await cli.open();
      const sent = createHash('sha256');
      const got = createHash('sha256');
      let stop = false;
      let rounds = 0;
      // A session in flight: 64 KiB echoed round after round for as long as the garbage lasts.
      const traffic = (async () => {
        while (!stop) {
          const payload = Buffer.alloc(64 * 1024, rounds % 251);
          payload.writeUInt32LE(rounds, 0);
          sent.update(payload);
          got.update(await session.echo(payload));
          rounds += 1;
        }
      })();

      const garbage: Array<string | Buffer> = [
        'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
        'JITGATE/1 CONNECT echo\n',
        'JITGATE/2 CONNECT echo token\n',
        'JITGATE/1 CONNECT echo tok extra\n',
        Buffer.from([0x00, 0xff, 0xfe, 0x0a]),
        `JITGATE/1 CONNECT echo ${'a'.repeat(41 * 1024)}\n`,
        '\n',
      ];
      const port = stack.gateway.tcpPort;
      for (let round = 0; round < 3; round += 1) {
        const answers = await Promise.all(garbage.map((g) => rawClient(port, g)));
        for (const answer of answers) {
          expect(answer.line).toMatch(/^JITGATE\/1 400 bad_handshake /);
          // The gateway closes after the line: nothing else comes.
          expect((await answer.rest()).length).toBe(0);
        }
      }
      stop = true;
      await traffic;
      expect(rounds).toBeGreaterThan(0);
      expect(got.digest('hex')).toBe(sent.digest('hex'));

      // The session is still open and still correct after all that.
      expect((await session.echo(Buffer.from('still here'))).toString()).toBe('still here');
      session.socket.end();
      const row = await stack.endedSession(session.sessionId as string);
      // The client's FIN reaches the echo, which ends in turn: whichever end the gateway saw last.
      expect(row).toMatchObject({ connection: 'echo', endReason: expect.stringMatching(/^(client_closed|target_closed)$/), bytesUp: rounds * 64 * 1024 + 10, bytesDown: rounds * 64 * 1024 + 10 });
      // And a new session opens as usual.
      const fresh = await cli.open();
      expect((await fresh.echo(Buffer.from('fresh'))).toString()).toBe('fresh');
      fresh.socket.end();
    });
  });
});
