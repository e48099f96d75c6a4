// A raw socket to the gateway's Postgres listener, for suites that send what no driver would
// (postgres/postgres.bad-input.test.ts): it keeps every byte the gateway sent, parses them as
// backend messages on demand, and knows when the gateway closed the connection.
import net from 'node:net';
import { once } from 'node:events';
import { decodeErrorResponse, encodePasswordMessage, encodeQuery, encodeStartupMessage, MessageReader, type PgMessage } from '@jitgate/pgwire';

const ERROR_RESPONSE = 0x45; // E
const READY_FOR_QUERY = 0x5a; // Z
const AUTHENTICATION = 0x52; // R

export class RawPgClient {
  private data = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  private ended = false;
  /** Resolves when the gateway's side is gone (FIN or reset). */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise<void>((resolve) => {
      const done = () => {
        this.ended = true;
        resolve();
        this.wake();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
  }

  static async open(port: number): Promise<RawPgClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    const client = new RawPgClient(socket);
    await once(socket, 'connect');
    client.localPort = socket.localPort as number;
    return client;
  }

  get received(): Buffer {
    return this.data;
  }

  /** Known once connected (a closed socket forgets it). */
  localPort = 0;

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Waits until `predicate` holds; rejects when the connection ends first or after `timeoutMs`. */
  async until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.ended) throw new Error(`closed before ${what}; received ${JSON.stringify(this.data.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the close; true if it came within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))]);
  }

  /** The backend messages received from byte `offset` on (a partial last one is left out). */
  messages(offset = 0): PgMessage[] {
    const reader = new MessageReader({ maxMessageBytes: 64 * 1024 * 1024 });
    reader.push(this.data.subarray(offset));
    const out: PgMessage[] = [];
    for (let message = reader.next(); message; message = reader.next()) out.push(message);
    return out;
  }

  /** The fields of the first ErrorResponse from byte `offset` on. */
  error(offset = 0): Record<string, string> | undefined {
    const message = this.messages(offset).find((m) => m.type === ERROR_RESPONSE);
    return message ? (decodeErrorResponse(message.body) as Record<string, string>) : undefined;
  }

  /** Logs in with a token as password (and `parameters` in the startup packet); resolves at the first ReadyForQuery. */
  async login(token: string, database: string, user = 'alice', parameters: Record<string, string> = {}): Promise<void> {
    this.write(encodeStartupMessage({ user, database, ...parameters }));
    await this.until(() => this.messages().some((m) => m.type === AUTHENTICATION), 'the password request');
    this.write(encodePasswordMessage(token));
    await this.until(() => this.messages().some((m) => m.type === READY_FOR_QUERY || m.type === ERROR_RESPONSE), 'the end of login');
    const error = this.error();
    if (error) throw new Error(`login refused: ${error['C']} ${error['M']}`);
  }

  /** Sends a Query and waits for its ReadyForQuery; returns the messages of the answer. */
  async query(sql: string): Promise<PgMessage[]> {
    const offset = this.data.length;
    this.write(encodeQuery(sql));
    await this.until(() => this.messages(offset).some((m) => m.type === READY_FOR_QUERY), `the answer to ${sql}`);
    return this.messages(offset);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}

/** A message of the frontend protocol with any type byte and any length field. */
export function frame(type: string, body: Buffer, length = body.length + 4): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(length, 1);
  return Buffer.concat([header, body]);
}
