// The Duplex a postgres session's SessionPipe reads and writes instead of the client's socket
// (docs/postgres.md). Readable side: the client's messages after the checks, on their way to the
// agent. Writable side: the server's bytes from the agent, on their way to the client after
// masking. Backpressure both ways: a full pipe pauses the client socket; a slow client delays
// the write callback, which delays the pipe's window updates to the agent.
//
//   open ──(held statement)──► holding ──(decision)──► open
//   open / holding ──(client gone, protocol error, session end)──► destroyed (FATAL to the client first when there is a reason)
import { Duplex } from 'node:stream';
import { encodeErrorResponse, MessageReader, PgWireError } from '@jitgate/pgwire';
import { ClientProtocolError, type ClientMessages } from './pg-client-messages.js';
import { OutputBatch } from './pg-output-batch.js';
import { ServerProtocolError, UnmaskableOutput, type ServerMessages } from './pg-server-messages.js';

/** How long a client gets to read its farewell before its socket is destroyed. */
const FAREWELL_LINGER_MS = 1_000;

export interface Farewell {
  sqlstate: string;
  message: string;
}

export class PgSessionStream extends Duplex {
  private holding = false;
  private serverBusy = false;
  /** Messages handled in this drain, not yet pushed (toServer). */
  private readonly toServerBatch = new OutputBatch();
  private draining = false;
  /** Messages from the server's chunk being handled, not yet written (toClient). */
  private readonly toClientBatch = new OutputBatch();
  private farewell: Farewell | undefined;
  private client: Duplex | undefined;
  private clientSide: ClientMessages | undefined;
  private serverSide: ServerMessages | undefined;

  /** Set by the session: ends it as a protocol error (recorded so) instead of a client hang-up. */
  onFailure: ((message: string) => void) | undefined;

  constructor(
    private readonly clientReader: MessageReader,
    private readonly serverReader: MessageReader,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Connects the client socket (paused, past login) and the two protocol halves. */
  attach(client: Duplex, clientSide: ClientMessages, serverSide: ServerMessages, inFlight: () => boolean = () => false): void {
    this.client = client;
    this.clientSide = clientSide;
    this.serverSide = serverSide;
    client.on('data', (chunk: Buffer) => {
      this.clientReader.push(chunk);
      this.drainClient();
    });
    client.on('end', () => {
      if (this.destroyed) return;
      this.push(null);
      // No Postgres client half-closes: its FIN means it is gone. Idle (or after Terminate), the
      // server ends on the EOF by itself; with a statement in flight nobody will read the answer,
      // and the server would not notice the EOF until the statement is done: end the session now
      // (the agent then cancels the statement). test/e2e/postgres.protocol.test.ts, "vanishes".
      if (inFlight()) this.destroy();
    });
    client.on('error', () => {});
    client.on('close', () => this.destroy());
    // Bytes the client sent right after its password are already in the reader.
    this.drainClient();
    // Login left the socket paused.
    if (!this.holding && !this.serverBusy) client.resume();
  }

  /** Says why before the session is torn down (grant expired, revoked, …). */
  sayFarewell(farewell: Farewell): void {
    this.farewell ??= farewell;
  }

  // ---- client → server -------------------------------------------------------------------

  private drainClient(): void {
    this.draining = true;
    try {
      this.drainMessages();
    } finally {
      this.draining = false;
      this.flushToServer();
    }
  }

  private drainMessages(): void {
    const client = this.client;
    const clientSide = this.clientSide;
    if (!client || !clientSide) return;
    while (!this.holding && !this.destroyed) {
      let held: void | Promise<void>;
      try {
        const message = this.clientReader.next();
        if (!message) break;
        held = clientSide.handle(message);
      } catch (error) {
        return this.fail(error, 'the client');
      }
      if (held) {
        this.holding = true;
        client.pause();
        held.then(
          () => {
            this.holding = false;
            if (!this.serverBusy) client.resume();
            this.drainClient();
          },
          (error: unknown) => this.fail(error, 'the gateway'),
        );
      }
    }
  }

  /**
   * ClientMessages' output. What one client chunk carried goes on as one push: the tunnel sends
   * each chunk it reads as a DATA frame of its own, and a frame per message made COPY FROM STDIN
   * (a CopyData per row) and extended-protocol batches (five messages per statement) slow.
   */
  toServer(bytes: Buffer): void {
    if (this.destroyed) return;
    this.toServerBatch.add(bytes);
    if (!this.draining) this.flushToServer();
  }

  private flushToServer(): void {
    const bytes = this.toServerBatch.take();
    if (!bytes || this.destroyed) return;
    if (!this.push(bytes)) {
      this.serverBusy = true;
      this.client?.pause();
    }
  }

  override _read(): void {
    if (!this.serverBusy) return;
    this.serverBusy = false;
    if (!this.holding) this.client?.resume();
  }

  // ---- server → client -------------------------------------------------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const client = this.client;
    const serverSide = this.serverSide;
    if (!client || !serverSide) return callback();
    this.serverReader.push(chunk);
    try {
      for (let message = this.serverReader.next(); message; message = this.serverReader.next()) serverSide.handle(message);
    } catch (error) {
      this.flushToClient();
      this.fail(error, 'the server');
      return callback();
    }
    this.flushToClient();
    if (client.writableNeedDrain) client.once('drain', () => callback());
    else callback();
  }

  /**
   * ServerMessages' output: what one chunk from the server carried is written at once, mostly as
   * one slice of that chunk (pg-output-batch.ts).
   */
  toClient(bytes: Buffer): void {
    this.toClientBatch.add(bytes);
  }

  private flushToClient(): void {
    const bytes = this.toClientBatch.take();
    if (bytes && this.client && !this.client.destroyed) this.client.write(bytes);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The server closed its side: the client hears the end once what came before is written.
    this.client?.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const client = this.client;
    if (client && !client.destroyed) {
      if (this.farewell) client.write(encodeErrorResponse({ severity: 'FATAL', code: this.farewell.sqlstate, message: this.farewell.message }));
      client.end();
      setTimeout(() => client.destroy(), FAREWELL_LINGER_MS).unref();
    }
    callback(error);
  }

  private fail(error: unknown, side: string): void {
    if (error instanceof UnmaskableOutput) {
      this.sayFarewell({ sqlstate: '42501', message: `jitgate: ${error.message}` });
      if (this.onFailure) this.onFailure(error.message);
      else this.destroy();
      return;
    }
    const known = error instanceof PgWireError || error instanceof ClientProtocolError || error instanceof ServerProtocolError;
    const detail = known ? (error as Error).message : 'internal error';
    const message = `protocol error from ${side}: ${detail}`;
    this.sayFarewell({ sqlstate: known ? '08P01' : 'XX000', message: `jitgate: ${message}` });
    if (this.onFailure) this.onFailure(message);
    else this.destroy();
  }
}
