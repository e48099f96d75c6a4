// One tunnel per gateway address: dials, holds the stream while it is up, reconnects with
// Backoff when it drops, and stops for good on a fatal verdict (tunnel-state.ts has the diagram;
// tunnel.spec.ts walks every transition with a fake clock and a fake stream).
import type { CloseReason } from '@jitgate/proto';
import { classifyTransportError, type Backoff } from '@jitgate/tunnel';
import type { Cancel, Clock } from '../clock.js';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { TokenSource } from '../credentials/token-source.js';
import type { TunnelEndpoint } from '../gateway/gateway-addresses.js';
import type { StreamStatus, TunnelTransport } from '../gateway/grpc-transport.js';
import type { Logger } from '../logging/logger.js';
import type { TargetDialers } from '../targets/target-dialer.js';
import type { HelloFields } from './frames.js';
import { TunnelConnection, type TunnelTiming } from './tunnel-connection.js';
import { assertTransition, type TunnelState } from './tunnel-state.js';

export interface TunnelHooks {
  onStateChange(tunnel: Tunnel, from: TunnelState, to: TunnelState): void;
  onGrantRevoked(grantId: string, reason: CloseReason): void;
}

export interface TunnelDeps {
  endpoint: TunnelEndpoint;
  hello: HelloFields;
  transport: TunnelTransport;
  tokens: TokenSource;
  credentials: CredentialProvider;
  dialers: TargetDialers;
  clock: Clock;
  logger: Logger;
  backoff: Backoff;
  timing: TunnelTiming;
  hooks: TunnelHooks;
}

export class Tunnel {
  private current: TunnelState = 'connecting';
  private connection: TunnelConnection | undefined;
  private attempt = 0;
  private cancelBackoff: Cancel = () => {};
  /** Set when the tunnel closed because the gateway refused the agent; never retried by this object. */
  private fatalReason: string | undefined;
  /** Stop (shutdown) or retire (address gone from DNS): no reconnect after the stream ends. */
  private stopping = false;
  private retired = false;
  private readonly closedWaiters: Array<() => void> = [];
  private readonly log: Logger;

  constructor(private readonly deps: TunnelDeps) {
    this.log = deps.logger.child({ gateway: deps.endpoint.target });
  }

  get state(): TunnelState {
    return this.current;
  }

  get target(): string {
    return this.deps.endpoint.target;
  }

  get fatal(): string | undefined {
    return this.fatalReason;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  get sessionCount(): number {
    return this.connection?.sessionCount ?? 0;
  }

  start(): void {
    void this.connect();
  }

  /** Shutdown: closes sessions with SHUTDOWN, ends the stream; resolves once closed. */
  stop(): Promise<void> {
    this.stopping = true;
    const closed = this.whenClosed();
    switch (this.current) {
      case 'ready':
        this.moveTo('draining');
        this.connection?.drain();
        break;
      case 'connecting':
      case 'backoff':
        this.closeNow();
        break;
      case 'draining':
      case 'closed':
        break;
    }
    return closed;
  }

  /** The address left DNS: keep a working stream until it ends, but never dial it again. */
  retire(): void {
    this.retired = true;
    if (this.current === 'connecting' || this.current === 'backoff') this.closeNow();
  }

  /** The address came back before this tunnel closed. */
  unretire(): void {
    this.retired = false;
  }

  closeGrant(grantId: string, reason: CloseReason): number {
    return this.connection?.closeGrant(grantId, reason) ?? 0;
  }

  whenClosed(): Promise<void> {
    if (this.current === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  // ---- internals ------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const attempt = ++this.attempt;
    let token;
    try {
      token = await this.deps.tokens.read();
    } catch (error) {
      // A token file caught mid-rotation: worth another try, like a network error.
      if (attempt === this.attempt && this.current === 'connecting') this.ended({ code: -1, details: (error as Error).message }, attempt);
      return;
    }
    if (attempt !== this.attempt || this.current !== 'connecting') return;
    this.log.debug('dialling the gateway');
    this.connection = new TunnelConnection({
      endpoint: this.deps.endpoint,
      hello: this.deps.hello,
      token,
      transport: this.deps.transport,
      credentials: this.deps.credentials,
      dialers: this.deps.dialers,
      clock: this.deps.clock,
      logger: this.log,
      timing: this.deps.timing,
      onWelcome: () => {
        if (attempt !== this.attempt || this.current !== 'connecting') return;
        // gRPC's rule: the delays start over once a connection worked.
        this.deps.backoff.reset();
        this.moveTo('ready');
      },
      onGrantRevoked: (grantId, reason) => this.deps.hooks.onGrantRevoked(grantId, reason),
      onEnd: (status) => this.ended(status, attempt),
    });
    this.connection.open();
  }

  private ended(status: StreamStatus, attempt: number): void {
    if (attempt !== this.attempt || this.current === 'closed') return;
    if (this.stopping || this.retired) {
      this.log.info({ code: status.code, detail: status.details }, 'tunnel closed');
      return this.closeNow();
    }
    const verdict = classifyTransportError(status);
    if (!verdict.retry) {
      this.fatalReason = verdict.reason;
      this.log.error({ code: status.code, reason: verdict.reason }, 'the gateway refused this agent; not retrying this tunnel');
      return this.closeNow();
    }
    const delay = this.deps.backoff.next();
    this.log.warn({ code: status.code, reason: verdict.reason, retryInMs: delay }, 'tunnel down; reconnecting after a delay');
    this.moveTo('backoff');
    this.cancelBackoff = this.deps.clock.setTimeout(() => {
      if (this.current !== 'backoff') return;
      this.moveTo('connecting');
      void this.connect();
    }, delay);
  }

  private closeNow(): void {
    if (this.current === 'closed') return;
    this.cancelBackoff();
    // A stream still in flight (connecting, or a retired tunnel's) ends with this object.
    this.attempt += 1;
    this.connection?.drop('tunnel closed');
    this.moveTo('closed');
    for (const resolve of this.closedWaiters.splice(0)) resolve();
  }

  private moveTo(next: TunnelState): void {
    const previous = this.current;
    assertTransition(previous, next);
    this.current = next;
    this.log.debug({ from: previous, to: next }, 'tunnel state');
    this.deps.hooks.onStateChange(this, previous, next);
  }
}
