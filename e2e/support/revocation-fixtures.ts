// What the revocation suites (revocation/revocation.*.test.ts) share: tokens of their own, real
// clients that keep a session open while the test revokes something — node-postgres with a
// statement running, psql reading statements from a pipe, Node's HTTP client with keep-alive — and
// an HTTP target that records every request it was sent (what really reached it).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type pg from 'pg';
import { expect } from 'vitest';
import { eventually, type ApiClient } from '@jitgate/testkit';

export interface IssuedToken {
  id: string;
  token: string;
}

/** Another token for an identity, with its id (what POST …/tokens/:tokenId/revoke takes). */
export async function issueToken(admin: ApiClient, identityId: string, name: string, ttl?: string): Promise<IssuedToken> {
  const issued = await admin.post(`/v1/identities/${identityId}/tokens`, { name, ...(ttl ? { ttl } : {}) });
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  return { id: issued.body.id as string, token: issued.body.token as string };
}

/** The FATAL a node-postgres client saw (during `running`, or while idle), and when. */
export function fatalOf(client: pg.Client, running?: Promise<unknown>): Promise<{ at: number; error: { code?: string; message: string; severity?: string } }> {
  return new Promise((resolve) => {
    const settle = (error: unknown) => resolve({ at: Date.now(), error: error as { code?: string; message: string } });
    client.on('error', settle);
    running?.then(() => settle({ message: 'the query finished' }), settle);
  });
}

/**
 * psql with its statements on a pipe, as a person typing them: each `run` sends a line and waits
 * for the marker echoed after it, so the test knows it ran before sending the next.
 */
export class PsqlSession {
  stdout = '';
  stderr = '';
  exit: number | null | undefined;
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private marks = 0;

  constructor(options: { port: number; token: string; user: string; database: string }) {
    this.child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(options.port), '-U', options.user, '-d', options.database], {
      env: { ...process.env, PGPASSWORD: options.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve((this.exit = code))));
  }

  /** Sends `sql` and waits until psql has run it. */
  async run(sql: string): Promise<void> {
    const mark = `psql-mark-${(this.marks += 1)}`;
    this.child.stdin?.write(`${sql}\n\\echo ${mark}\n`);
    await eventually(
      async () => {
        if (this.exit !== undefined) throw new Error(`psql exited (${this.exit}) before running ${sql}\n${this.stderr}`);
        return this.stdout.includes(mark);
      },
      15_000,
      20,
    );
  }

  /** Sends `sql` without waiting: for the statement after a revoke, which must never run. */
  send(sql: string): void {
    this.child.stdin?.write(`${sql}\n`);
  }

  async waitForExit(timeoutMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`psql did not exit within ${timeoutMs} ms\n${this.stderr}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }
}

/** An HTTP target that answers 200 to everything and records what reached it. */
export interface RecordingTarget {
  url: string;
  paths: string[];
  close(): Promise<void>;
}

export async function startRecordingTarget(): Promise<RecordingTarget> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`seen ${req.url}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Node's HTTP client with keep-alive and one socket: every request rides the same caller
 * connection (and so the same session at the gateway) until that connection closes.
 */
export class KeepAliveCaller {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Every socket the agent used, with when it closed (Date.now()). */
  readonly sockets: Array<{ socket: Socket; closed: Promise<number> }> = [];

  constructor(private readonly token: string) {}

  request(url: string): Promise<{ status: number; body: string; socket: Socket }> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { agent: this.agent, headers: { authorization: `Bearer ${this.token}` } });
      let socket: Socket | undefined;
      req.on('socket', (s: Socket) => {
        socket = s;
        if (this.sockets.some((known) => known.socket === s)) return;
        this.sockets.push({ socket: s, closed: new Promise((done) => s.once('close', () => done(Date.now()))) });
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), socket: socket as Socket }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** When the caller connection that carried `socket` closed. */
  closedAt(socket: Socket): Promise<number> {
    const known = this.sockets.find((s) => s.socket === socket);
    if (!known) throw new Error('not a socket of this caller');
    return known.closed;
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** The session rows of `identityId` on `connection`, newest first. */
export async function sessionsOf(admin: ApiClient, identityId: string, connection: string): Promise<Array<Record<string, any>>> {
  const listed = await admin.get(`/v1/sessions?connection=${connection}&view=all&identity=${identityId}`);
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.items as Array<Record<string, any>>;
}
