// The agent: one Tunnel per gateway address, kept in step with DNS, and the rule for giving up.
//
// Fatal rule (README "When the gateway refuses the agent"): a tunnel whose call ends with a
// fatal verdict (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, UNIMPLEMENTED) closes
// and is not retried at the tunnel's pace. When every tunnel the agent holds has ended that way,
// the replicas agree that the token is wrong or revoked: `done` resolves, and main exits
// non-zero so that the supervisor (Kubernetes) shows it and restarts with its own slow backoff.
// While another tunnel is still up or retrying, a refused address is re-dialled every
// FATAL_RETRY_MS in case one replica was wrong.
import type { CloseReason } from '@jitgate/proto';
import { Backoff } from '@jitgate/tunnel';
import type { Cancel, Clock } from './clock.js';
import type { CredentialProvider } from './credentials/credential-provider.js';
import type { TokenSource } from './credentials/token-source.js';
import { resolveEndpoints, type GatewaySetting, type HostResolver, type TunnelEndpoint } from './gateway/gateway-addresses.js';
import type { TunnelTransport } from './gateway/grpc-transport.js';
import type { Logger } from './logging/logger.js';
import type { TargetDialers } from './targets/target-dialer.js';
import type { HelloFields } from './tunnel/frames.js';
import { DEFAULT_TIMING, type TunnelTiming } from './tunnel/tunnel-connection.js';
import type { TunnelState } from './tunnel/tunnel-state.js';
import { Tunnel } from './tunnel/tunnel.js';

/** The backoff cap: the slowest pace at which a refused address is asked again. */
const FATAL_RETRY_MS = 120_000;

export interface AgentDeps {
  hello: HelloFields;
  gateway: GatewaySetting;
  resolveIntervalMs: number;
  resolve: HostResolver;
  transport: TunnelTransport;
  tokens: TokenSource;
  credentials: CredentialProvider;
  dialers: TargetDialers;
  clock: Clock;
  logger: Logger;
  timing?: Partial<TunnelTiming>;
  /** One Backoff per tunnel; tests pass faster ones. */
  backoff?: () => Backoff;
}

export interface AgentFatal {
  reason: string;
}

export interface TunnelSnapshot {
  gateway: string;
  state: TunnelState;
  sessions: number;
}

export class Agent {
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly fatalRetries = new Map<string, Cancel>();
  private wanted = new Map<string, TunnelEndpoint>();
  private stopping = false;
  private cancelResolve: Cancel = () => {};
  private readonly resolveBackoff = new Backoff({ maxMs: 30_000 });
  private readonly timing: TunnelTiming;
  private resolveFatal: (fatal: AgentFatal) => void = () => {};
  /** Resolves when every tunnel was refused by its gateway (see the fatal rule above). */
  readonly done: Promise<AgentFatal>;

  constructor(private readonly deps: AgentDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.done = new Promise((resolve) => (this.resolveFatal = resolve));
  }

  start(): void {
    void this.refresh();
  }

  ready(): boolean {
    return [...this.tunnels.values()].some((tunnel) => tunnel.state === 'ready');
  }

  snapshot(): TunnelSnapshot[] {
    return [...this.tunnels.values()].map((t) => ({ gateway: t.target, state: t.state, sessions: t.sessionCount }));
  }

  /** SIGTERM: no new sessions, SHUTDOWN to open ones, every stream ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelResolve();
    for (const cancel of this.fatalRetries.values()) cancel();
    this.fatalRetries.clear();
    await Promise.all([...this.tunnels.values()].map((tunnel) => tunnel.stop()));
  }

  // ---- gateway addresses ----------------------------------------------------------------

  private async refresh(): Promise<void> {
    if (this.stopping) return;
    let delay = this.deps.resolveIntervalMs;
    try {
      const endpoints = await resolveEndpoints(this.deps.gateway, this.deps.resolve);
      this.resolveBackoff.reset();
      if (!this.stopping) this.reconcile(endpoints);
    } catch (error) {
      // Keep the tunnels we have: a DNS hiccup must not tear down working sessions. With none
      // yet, retry sooner than the regular interval.
      this.deps.logger.warn({ err: (error as Error).message }, 'resolving the gateway address failed');
      if (this.tunnels.size === 0) delay = Math.min(delay, this.resolveBackoff.next());
    }
    // A list of fixed addresses never changes; only a DNS name is looked up again.
    if (this.stopping || this.deps.gateway.kind === 'static') return;
    this.cancelResolve = this.deps.clock.setTimeout(() => void this.refresh(), delay);
  }

  private reconcile(endpoints: TunnelEndpoint[]): void {
    this.wanted = new Map(endpoints.map((endpoint) => [endpoint.target, endpoint]));
    for (const endpoint of endpoints) {
      const existing = this.tunnels.get(endpoint.target);
      if (existing) existing.unretire();
      else if (!this.fatalRetries.has(endpoint.target)) this.open(endpoint);
    }
    for (const [target, tunnel] of this.tunnels) {
      if (this.wanted.has(target)) continue;
      this.deps.logger.info({ gateway: target }, 'gateway address no longer resolved; the tunnel ends with its stream');
      tunnel.retire();
    }
  }

  private open(endpoint: TunnelEndpoint): void {
    const tunnel = new Tunnel({
      endpoint,
      hello: this.deps.hello,
      transport: this.deps.transport,
      tokens: this.deps.tokens,
      credentials: this.deps.credentials,
      dialers: this.deps.dialers,
      clock: this.deps.clock,
      logger: this.deps.logger,
      backoff: this.deps.backoff ? this.deps.backoff() : new Backoff(),
      timing: this.timing,
      hooks: {
        onStateChange: (t, _from, to) => {
          if (to === 'closed') this.closed(t);
        },
        onGrantRevoked: (grantId, reason) => this.grantRevoked(grantId, reason),
      },
    });
    this.tunnels.set(endpoint.target, tunnel);
    tunnel.start();
  }

  // ---- tunnel events --------------------------------------------------------------------

  /**
   * A revoked grant ends everywhere at once: each replica sends its own GrantRevoked, but the
   * agent does not wait for the others (a replica may be slow or cut off).
   */
  private grantRevoked(grantId: string, reason: CloseReason): void {
    let closed = 0;
    for (const tunnel of this.tunnels.values()) closed += tunnel.closeGrant(grantId, reason);
    this.deps.logger.info({ grantId, sessions: closed }, 'grant revoked by the gateway');
  }

  private closed(tunnel: Tunnel): void {
    if (this.stopping) return;
    if (tunnel.fatal === undefined) {
      this.tunnels.delete(tunnel.target);
      const endpoint = this.wanted.get(tunnel.target);
      // Closed without a verdict means retired; it may have come back meanwhile.
      if (endpoint && !tunnel.isRetired) this.open(endpoint);
      return;
    }
    const all = [...this.tunnels.values()];
    if (all.every((t) => t.state === 'closed' && t.fatal !== undefined)) {
      this.deps.logger.fatal({ reason: tunnel.fatal, tunnels: all.length }, 'every gateway refused this agent; giving up');
      this.resolveFatal({ reason: tunnel.fatal });
      return;
    }
    this.fatalRetries.set(
      tunnel.target,
      this.deps.clock.setTimeout(() => {
        this.fatalRetries.delete(tunnel.target);
        if (this.tunnels.get(tunnel.target) === tunnel) this.tunnels.delete(tunnel.target);
        const endpoint = this.wanted.get(tunnel.target);
        if (endpoint && !this.stopping) this.open(endpoint);
      }, FATAL_RETRY_MS),
    );
  }
}
