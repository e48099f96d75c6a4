// A postgres session's local end (docs/postgres.md): what its SessionPipe reads and writes
// instead of the client's socket. Bytes from the agent go straight into the server-side handlers
// and on to the client; the client's messages, once checked, go straight into the pipe. No Node
// stream sits in between: an intermediate Duplex (push/read/_write, its buffers and events) cost
// the gateway a measurable share of its CPU per statement (bench/README.md, issue 4).
//
// Backpressure both ways: the pipe pauses us when its credit or the tunnel is exhausted, and we
// pause the client socket; a client that reads slowly delays `write`'s `done`, which delays the
// pipe's window updates to the agent.
//
// The client socket flows only while: open() was called (the pipe is bound), no statement is
// held for approval, the pipe has not paused us, and the session is not destroyed.
//
//   attached ──open()──► open ⇄ holding (a statement waits for a decision)
//   any ──(client gone, protocol error, the pipe's destroy)──► destroyed (FATAL to the client first when there is a farewell)
import type { Duplex } from 'node:stream';
import { encodeErrorResponse, MessageReader, PgWireError } from '@jitgate/pgwire';
import type { LocalEnd, LocalSink } from '@jitgate/tunnel';
import { ClientProtocolError, type ClientMessages } from './pg-client-messages.js';
import { OutputBatch } from './pg-output-batch.js';
import { PinnedSettingChanged, ServerProtocolError, UnmaskableOutput, type ServerMessages } from './pg-server-messages.js';

/** How long a client gets to read its farewell before its socket is destroyed. */
const FAREWELL_LINGER_MS = 1_000;

export interface Farewell {
  sqlstate: string;
  message: string;
}

export interface PgSessionParts {
  /** The client's socket, paused, past login. */
  client: Duplex;
  /** The reader login used: bytes the client sent right after its password are already in it. */
  clientReader: MessageReader;
  serverReader: MessageReader;
  clientSide: ClientMessages;
  serverSide: ServerMessages;
  /** A statement is being answered (the client's hang-up then ends the session at once). */
  inFlight(): boolean;
}

export class PgSession implements LocalEnd {
  private sink: LocalSink | undefined;
  private opened = false;
  private holding = false;
  /** The pipe asked us to stop producing: its credit or the tunnel is exhausted. */
  private pipePaused = false;
  /** What the client socket was last told (it starts paused: login left it so). */
  private clientFlowing = false;
  private isDestroyed = false;
  /** Messages handled in this drain, not yet given to the pipe (toServer). */
  private readonly toServerBatch = new OutputBatch();
  private draining = false;
  /** Messages from the agent's chunk being handled, not yet written (toClient). */
  private readonly toClientBatch = new OutputBatch();
  /** Acknowledgements waiting for the client socket's 'drain'. */
  private readonly afterDrain: Array<(error?: Error | null) => void> = [];
  private farewell: Farewell | undefined;
  private readonly client: Duplex;

  /** Set by the session: ends it as a protocol error (recorded so) instead of a client hang-up. */
  onFailure: ((message: string) => void) | undefined;

  constructor(private readonly parts: PgSessionParts) {
    const client = parts.client;
    this.client = client;
    client.on('data', (chunk: Buffer) => {
      parts.clientReader.push(chunk);
      this.drainClient();
    });
    client.on('end', () => {
      if (this.isDestroyed) return;
      // No Postgres client half-closes: its FIN means it is gone. Idle (or after Terminate), the
      // server ends on the EOF by itself; with a statement in flight nobody will read the answer,
      // and the server would not notice the EOF until the statement is done: end the session now
      // (the agent then cancels the statement). e2e/postgres/postgres.protocol.test.ts, "vanishes".
      if (parts.inFlight()) return this.destroy();
      // Idle, or after Terminate: what the client sent goes on, then the session ends here as
      // the client's doing — not later as the server's, when it closes on the Terminate (a race
      // the end reason must not depend on).
      this.sink?.end();
      this.destroy();
    });
    client.on('error', () => {
      // 'close' follows and ends the session.
    });
    client.on('close', () => this.destroy());
  }

  /** After the pipe is bound and the session wired: handles what login left, then reads on. */
  open(): void {
    if (this.isDestroyed || this.opened) return;
    if (!this.sink) throw new Error('a postgres session opened before its pipe was bound');
    this.opened = true;
    this.drainClient();
    this.updateFlow();
  }

  /** Says why before the session is torn down (grant expired, revoked, …). */
  sayFarewell(farewell: Farewell): void {
    this.farewell ??= farewell;
  }

  // ---- LocalEnd: what the pipe calls ------------------------------------------------------

  get destroyed(): boolean {
    return this.isDestroyed || this.client.destroyed;
  }

  bind(sink: LocalSink): void {
    this.sink = sink;
  }

  /** The server's bytes from the agent: handled now, written to the client as one chunk. */
  write(bytes: Uint8Array, done: (error?: Error | null) => void): void {
    if (this.isDestroyed) return;
    const serverReader = this.parts.serverReader;
    serverReader.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    try {
      for (let message = serverReader.next(); message; message = serverReader.next()) this.parts.serverSide.handle(message);
    } catch (error) {
      this.flushToClient();
      return this.fail(error, 'the server');
    }
    this.flushToClient();
    if (!this.client.writableNeedDrain) return done();
    // One 'drain' listener however many chunks wait: a slow client may hold a window's worth.
    this.afterDrain.push(done);
    if (this.afterDrain.length === 1) this.client.once('drain', this.acknowledge);
  }

  /** The server closed its side: the client hears the end after what came before. */
  end(): void {
    if (!this.client.destroyed) this.client.end();
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.afterDrain.length = 0;
    const client = this.client;
    if (!client.destroyed) {
      if (this.farewell && client.writable) {
        client.write(encodeErrorResponse({ severity: 'FATAL', code: this.farewell.sqlstate, message: this.farewell.message }));
      }
      client.end();
      setTimeout(() => client.destroy(), FAREWELL_LINGER_MS).unref();
    }
    // When the pipe called destroy it is closed already and ignores this.
    this.sink?.close(false);
  }

  pause(): void {
    this.pipePaused = true;
    this.updateFlow();
  }

  resume(): void {
    this.pipePaused = false;
    this.updateFlow();
  }

  // ---- client → server -------------------------------------------------------------------

  private drainClient(): void {
    if (!this.opened) return;
    this.draining = true;
    try {
      this.drainMessages();
    } finally {
      this.draining = false;
      this.flushToServer();
    }
  }

  private drainMessages(): void {
    const { clientReader, clientSide } = this.parts;
    while (!this.holding && !this.isDestroyed) {
      let held: void | Promise<void>;
      try {
        const message = clientReader.next();
        if (!message) return;
        held = clientSide.handle(message);
      } catch (error) {
        return this.fail(error, 'the client');
      }
      if (held) {
        this.holding = true;
        this.updateFlow();
        held.then(
          () => {
            this.holding = false;
            this.updateFlow();
            this.drainClient();
          },
          (error: unknown) => this.fail(error, 'the gateway'),
        );
      }
    }
  }

  /**
   * ClientMessages' output. What one client chunk carried goes to the pipe at once: the tunnel
   * sends each chunk it gets as a DATA frame of its own, and a frame per message made COPY FROM
   * STDIN (a CopyData per row) and extended-protocol batches (five messages per statement) slow.
   */
  toServer(bytes: Buffer): void {
    if (this.isDestroyed) return;
    this.toServerBatch.add(bytes);
    if (!this.draining) this.flushToServer();
  }

  private flushToServer(): void {
    const bytes = this.toServerBatch.take();
    // A paused pipe still takes the chunk (it holds it until credit comes); we pause the client.
    if (bytes && !this.isDestroyed) this.sink?.data(bytes);
  }

  /** The client socket flows exactly when nothing holds it back (see the top of the file). */
  private updateFlow(): void {
    const flowing = this.opened && !this.holding && !this.pipePaused && !this.isDestroyed;
    if (flowing === this.clientFlowing) return;
    this.clientFlowing = flowing;
    if (flowing) this.client.resume();
    else this.client.pause();
  }

  // ---- server → client -------------------------------------------------------------------

  /**
   * ServerMessages' output: what one chunk from the server carried is written at once, mostly as
   * one slice of that chunk (pg-output-batch.ts).
   */
  toClient(bytes: Buffer): void {
    this.toClientBatch.add(bytes);
  }

  private flushToClient(): void {
    const bytes = this.toClientBatch.take();
    if (bytes && !this.client.destroyed) this.client.write(bytes);
  }

  private readonly acknowledge = (): void => {
    for (const done of this.afterDrain.splice(0)) done();
  };

  private fail(error: unknown, side: string): void {
    if (error instanceof UnmaskableOutput || error instanceof PinnedSettingChanged) {
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
