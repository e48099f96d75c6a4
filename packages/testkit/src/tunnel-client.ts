// A client of the gateway's TCP listener on a real loopback socket: it speaks the handshake line
// of docs/tunnel.md (`JITGATE/1 CONNECT <connection> <token>`, written by @jitgate/contracts), then
// carries the session's bytes. rawClient sends any bytes, for the lines a client must not send.
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { formatHandshakeRequest } from '@jitgate/contracts';

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
  return rawClient(port, formatHandshakeRequest({ connection, token }), options);
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
