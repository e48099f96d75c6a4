// What the tunnel suites share: targets, tcp connections with a grant, agents, and clients that
// speak the handshake line of docs/tunnel.md on real loopback sockets.
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { expect } from 'vitest';
import { createConnection, createIdentity, createPolicy, type TestIdentity } from './fixtures.js';
import type { ApiClient, TestGateway } from './gateway-harness.js';
import { FakeAgent, type FakeAgentOptions } from './fake-agent.js';

/** A target that echoes, and passes the client's FIN back as its own. */
export async function startEchoServer(): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function createTcpConnection(admin: ApiClient, name: string, port: number, agentGroup = 'edge'): Promise<{ id: string; name: string }> {
  return createConnection(admin, name, { type: 'tcp', agentGroup, settings: { host: '127.0.0.1', port }, credentialRef: undefined });
}

/** An auto-approve policy for these connections, so that a request is a grant at once. */
export async function allowConnections(admin: ApiClient, policyName: string, connections: string[]): Promise<void> {
  await createPolicy(admin, policyName, [{ name: 'auto', effect: 'auto-approve', match: { connection: { names: connections } }, maxDuration: '24h' }]);
}

export interface TestGrant {
  id: string;
  expiresAt: Date;
}

export async function requestGrant(who: TestIdentity, connection: string, durationSeconds = 3600): Promise<TestGrant> {
  const created = await who.api.post('/v1/access-requests', { connection, duration: durationSeconds, reason: 'tunnel test' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.status, JSON.stringify(created.body)).toBe('approved');
  return { id: created.body.grant.id as string, expiresAt: new Date(created.body.grant.expiresAt as string) };
}

export async function registerAgent(admin: ApiClient, name: string, agentGroup = 'edge'): Promise<{ id: string; token: string }> {
  const created = await admin.post('/v1/agents', { name, agentGroup, labels: { zone: 'test' } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id as string, token: created.body.token as string };
}

export function agentOptions(gw: TestGateway, token: string | undefined, hello: FakeAgentOptions['hello'], extra: Partial<FakeAgentOptions> = {}): FakeAgentOptions {
  return { address: `127.0.0.1:${gw.tunnelPort}`, token, hello, ...extra };
}

export { createIdentity, FakeAgent, type TestIdentity };

/**
 * A client of the TCP listener. It reads all the time (a paused socket would never see the
 * gateway's FIN), keeping what arrived after the answer line in `inbox`.
 */
export class TunnelClient {
  /** The gateway's answer, without "\n" ('' until it came). */
  line = '';
  private inbox = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  private ended = false;
  /** When the gateway closed its side (FIN or reset), in Date.now() terms. */
  readonly closed: Promise<number>;

  constructor(readonly socket: net.Socket) {
    this.closed = new Promise<number>((resolve) => {
      const done = () => {
        this.ended = true;
        resolve(Date.now());
        this.wake();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.inbox = Buffer.concat([this.inbox, chunk]);
      if (!this.line) {
        const newline = this.inbox.indexOf(0x0a);
        if (newline === -1) return;
        this.line = this.inbox.subarray(0, newline).toString('latin1');
        this.inbox = this.inbox.subarray(newline + 1);
      }
      this.wake();
    });
  }

  get sessionId(): string | undefined {
    return /^JITGATE\/1 200 (\S+)$/.exec(this.line)?.[1];
  }

  /** Resolves once `predicate` holds, or rejects if the socket ends first. */
  async until(predicate: () => boolean, what: string): Promise<void> {
    while (!predicate()) {
      if (this.ended) throw new Error(`closed before ${what}; line ${JSON.stringify(this.line)}, ${this.inbox.length} bytes`);
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  /** Takes `length` bytes from the inbox, waiting for them. */
  async take(length: number): Promise<Buffer> {
    await this.until(() => this.inbox.length >= length, `${length} bytes`);
    const taken = this.inbox.subarray(0, length);
    this.inbox = this.inbox.subarray(length);
    return taken;
  }

  /** Everything until the gateway's FIN. */
  async rest(): Promise<Buffer> {
    await this.closed;
    return this.inbox;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}

/** Connects and waits for the answer line. `send` is written as is (a handshake line or not). */
export async function rawClient(port: number, send: string | Buffer | undefined, options: { tls?: tls.ConnectionOptions } = {}): Promise<TunnelClient> {
  const socket = options.tls ? tls.connect({ host: '127.0.0.1', port, ...options.tls }) : net.connect({ host: '127.0.0.1', port });
  const client = new TunnelClient(socket);
  await once(socket, options.tls ? 'secureConnect' : 'connect');
  if (send !== undefined) socket.write(send);
  await client.until(() => client.line !== '', 'the answer line');
  return client;
}

export function connectClient(port: number, connection: string, token: string, options: { tls?: tls.ConnectionOptions } = {}): Promise<TunnelClient> {
  return rawClient(port, `JITGATE/1 CONNECT ${connection} ${token}\n`, options);
}

/** Writes `payload`, half-closes, and reads everything the other side sends until its FIN. */
export async function exchange(client: TunnelClient, payload: Buffer): Promise<Buffer> {
  client.socket.end(payload);
  return client.rest();
}

/** Sends `payload` and reads as many bytes back (an echo target); the session stays open. */
export async function echo(client: TunnelClient, payload: Buffer): Promise<Buffer> {
  client.socket.write(payload);
  return client.take(payload.length);
}
