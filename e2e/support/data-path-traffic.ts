// Traffic for the data-path suites: an echo target that hashes what each socket received and
// notes when it closed, a client of `jitgate connect`'s local port, and a streamed transfer
// with sha256 both ways.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'vitest';

export interface EchoSocket {
  readonly socket: net.Socket;
  readonly openedAt: number;
  received: number;
  readonly hash: Hash;
  /** When the agent's side ended (FIN or close), in Date.now() terms. */
  closedAt: number | undefined;
}

export class EchoTarget {
  readonly sockets: EchoSocket[] = [];

  private constructor(private readonly server: net.Server) {}

  /** Listens on `host` (another address for an agent in a netns, network-namespace.ts). */
  static async start(host = '127.0.0.1'): Promise<EchoTarget> {
    const server = net.createServer({ allowHalfOpen: true });
    const target = new EchoTarget(server);
    server.on('connection', (socket) => {
      const entry: EchoSocket = { socket, openedAt: Date.now(), received: 0, hash: createHash('sha256'), closedAt: undefined };
      target.sockets.push(entry);
      const closed = () => (entry.closedAt ??= Date.now());
      socket.on('data', (chunk: Buffer) => {
        entry.received += chunk.length;
        entry.hash.update(chunk);
      });
      socket.once('end', closed);
      socket.once('close', closed);
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    server.listen(0, host);
    await once(server, 'listening');
    return target;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const { socket } of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A TCP client of the CLI's local port: reads all the time, notes when the other side closed. */
export class LocalClient {
  sessionId: string | undefined;
  private inbox: Buffer[] = [];
  private inboxLength = 0;
  private waiters: Array<() => void> = [];
  private ended = false;
  readonly closed: Promise<number>;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    this.closed = new Promise<number>((resolve) => {
      const done = () => {
        this.ended = true;
        resolve(Date.now());
        this.wake();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
    socket.on('data', (chunk: Buffer) => {
      this.inbox.push(chunk);
      this.inboxLength += chunk.length;
      this.wake();
    });
  }

  /** Writes `payload` and reads as many bytes back (an echo target). */
  async echo(payload: Buffer): Promise<Buffer> {
    this.socket.write(payload);
    while (this.inboxLength < payload.length) {
      if (this.ended) throw new Error(`closed after ${this.inboxLength} of ${payload.length} bytes`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const all = Buffer.concat(this.inbox);
    this.inbox = [all.subarray(payload.length)];
    this.inboxLength = all.length - payload.length;
    return all.subarray(0, payload.length);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/**
 * Streams `total` pseudo-random bytes to an echo through `port` (with backpressure) while reading
 * the echo, and returns the sha256 of each direction and the bytes counted.
 */
export async function streamThroughEcho(port: number, total: number, seed: number): Promise<{ sentHash: string; receivedHash: string; received: number; ms: number }> {
  const started = Date.now();
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let receivedBytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received.update(chunk);
      receivedBytes += chunk.length;
    });
    socket.once('end', resolve);
    socket.once('close', () => (receivedBytes >= total ? resolve() : reject(new Error(`closed after ${receivedBytes} of ${total} bytes`))));
  });
  const chunk = Buffer.alloc(256 * 1024);
  let state = seed >>> 0 || 1;
  for (let written = 0; written < total; ) {
    const size = Math.min(chunk.length, total - written);
    // xorshift32: cheap bytes that differ per chunk and per session, so a misordered chunk shows.
    for (let i = 0; i < size; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeUInt32LE(state >>> 0, i);
    }
    const piece = Buffer.from(chunk.subarray(0, size));
    sent.update(piece);
    written += size;
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  socket.end();
  await done;
  socket.destroy();
  return { sentHash: sent.digest('hex'), receivedHash: received.digest('hex'), received: receivedBytes, ms: Date.now() - started };
}

/** Asserts `at` came within `boundMs` after `reference` (a timer may fire a few ms early). */
export function expectWithin(at: number, reference: number, boundMs: number, what: string): number {
  const late = at - reference;
  expect(late, `${what}: ${late} ms`).toBeGreaterThanOrEqual(-50);
  expect(late, `${what}: ${late} ms`).toBeLessThanOrEqual(boundMs);
  return late;
}
