// The local side of `jitgate connect`: a listener on the user's machine; each accepted
// connection gets its own gateway session (its own handshake) and bytes are piped both ways.
// Half-closes pass through (allowHalfOpen on both sockets, one pipeline per direction) and
// backpressure is stream.pipeline's. Pinned by test/connect.test.ts.
import net from 'node:net';
import { pipeline } from 'node:stream';
import { CliError, printable } from '../errors.js';
import type { GatewaySession } from './gateway-dialer.js';

/** Who ended a session first: the local client, the gateway, or this process (Ctrl-C, expiry). */
export type SessionEnd = 'client' | 'gateway' | 'stopped';

export interface SessionReport {
  n: number;
  client: string;
  sessionId: string;
  /** Bytes from the local client to the gateway, and back. */
  sent: number;
  received: number;
  endedBy: SessionEnd;
  /** A transport error, if the session did not end with FINs both ways. */
  error?: string;
}

export interface ForwarderHandlers {
  opened(n: number, client: string, sessionId: string): void;
  refused(n: number, client: string, error: CliError): void;
  closed(report: SessionReport): void;
}

export interface ForwarderOptions {
  bind: string;
  port: number;
  /** Serve one local connection, then stop listening. */
  once: boolean;
  dial: () => Promise<GatewaySession>;
  handlers: ForwarderHandlers;
}

/** The outcome of the one session in `once` mode. */
export type OnceOutcome = { refused: CliError } | { report: SessionReport };

export class PortForwarder {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  private accepted = 0;
  private stopping = false;
  private resolveOnce: ((outcome: OnceOutcome) => void) | undefined;
  /** Resolves when the single session of `once` mode is over (never, otherwise). */
  readonly onceDone: Promise<OnceOutcome>;

  constructor(private readonly options: ForwarderOptions) {
    this.onceDone = new Promise((resolve) => (this.resolveOnce = options.once ? resolve : undefined));
    // Paused until the gateway has said 200: nothing the client sends is read before that.
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error & { code?: string }) => {
        const where = `${this.options.bind}:${this.options.port}`;
        if (error.code === 'EADDRINUSE') reject(new CliError('usage', `cannot listen on ${where}: the port is in use (choose another with --port, or --port 0)`));
        else if (error.code === 'EADDRNOTAVAIL') reject(new CliError('usage', `cannot listen on ${where}: no such local address (--bind)`));
        else if (error.code === 'EACCES') reject(new CliError('usage', `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`));
        else reject(new CliError('usage', `cannot listen on ${where}: ${printable(error.message)}`));
      };
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.bind, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  get activeSessions(): number {
    return this.inFlight.size;
  }

  /** Stops taking new local connections; sessions in progress go on. */
  stopAccepting(): void {
    if (this.server.listening) this.server.close();
  }

  /** Waits up to `ms` for the sessions in progress to end by themselves. */
  async drain(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }

  /** Stops listening and ends every session now. */
  async close(): Promise<void> {
    this.stopping = true;
    this.stopAccepting();
    for (const socket of this.sockets) socket.destroy();
    await Promise.allSettled([...this.inFlight]);
  }

  private accept(local: net.Socket): void {
    const n = ++this.accepted;
    if (this.options.once) this.stopAccepting();
    if (this.stopping) {
      local.destroy();
      return;
    }
    const work = this.serve(n, local).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async serve(n: number, local: net.Socket): Promise<void> {
    const client = `${local.remoteAddress ?? '?'}:${local.remotePort ?? '?'}`;
    local.on('error', ignore);
    this.track(local);

    let session: GatewaySession;
    try {
      session = await this.options.dial();
    } catch (error) {
      const refused = error instanceof CliError ? error : new CliError('unavailable', printable(String(error)));
      this.options.handlers.refused(n, client, refused);
      this.sockets.delete(local);
      await closeGently(local);
      this.resolveOnce?.({ refused });
      return;
    }
    const upstream = session.socket;
    this.track(upstream);
    if (this.stopping || local.destroyed) {
      upstream.destroy();
      local.destroy();
    } else {
      this.options.handlers.opened(n, client, session.sessionId);
    }

    const { endedBy, error } = await pipeBothWays(local, upstream, () => this.stopping);
    const report: SessionReport = {
      n,
      client,
      sessionId: session.sessionId,
      sent: local.bytesRead,
      received: local.bytesWritten,
      endedBy,
      ...(error ? { error } : {}),
    };
    this.options.handlers.closed(report);
    this.resolveOnce?.({ report });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/**
 * Two pipelines, one per direction. A pipeline that completes has passed a FIN on (end()) and
 * leaves both sockets open for the other direction; an error in either destroys both.
 */
function pipeBothWays(local: net.Socket, upstream: net.Socket, stopped: () => boolean): Promise<{ endedBy: SessionEnd; error?: string }> {
  return new Promise((resolve) => {
    let first: SessionEnd | undefined;
    let failure: string | undefined;
    const note = (who: SessionEnd) => (first ??= stopped() ? 'stopped' : who);
    local.once('end', () => note('client'));
    upstream.once('end', () => note('gateway'));
    local.once('error', (error: Error) => {
      note('client');
      failure ??= `local connection: ${printable(error.message)}`;
    });
    upstream.once('error', (error: Error) => {
      note('gateway');
      failure ??= `gateway connection: ${printable(error.message)}`;
    });
    local.once('close', () => note('client'));
    upstream.once('close', () => note('gateway'));

    let pending = 2;
    const done = (error?: NodeJS.ErrnoException | null) => {
      if (error) {
        local.destroy();
        upstream.destroy();
      }
      if (--pending > 0) return;
      // Both directions are over: FINs went both ways, or one side broke. Release the sockets.
      local.destroy();
      upstream.destroy();
      const endedBy = stopped() ? 'stopped' : (first ?? 'client');
      resolve(failure && endedBy !== 'stopped' ? { endedBy, error: failure } : { endedBy });
    };
    pipeline(local, upstream, done);
    pipeline(upstream, local, done);
  });
}

/**
 * Ends a local connection we will not serve with a FIN rather than a reset: what the client sent
 * is read and dropped (closing a socket with unread data resets it). Resolves when the client
 * has closed too, or after a moment if it does not.
 */
function closeGently(local: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => local.destroy(), 2_000);
    local.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    local.on('data', ignore);
    local.resume();
    local.end();
  });
}

function ignore(): void {}
