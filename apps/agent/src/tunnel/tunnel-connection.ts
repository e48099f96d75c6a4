// One Connect stream, from Hello to its end: waits for Welcome, keeps heartbeats both ways,
// routes gateway messages to the session table, and reports exactly one end. The Tunnel above
// it turns ends into state transitions and reconnects; this class never dials twice.
import { CloseReason, type ConnectResponse, type Welcome } from '@jitgate/proto';
import type { Cancel, Clock } from '../clock.js';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { SecretValue } from '../credentials/secret-value.js';
import type { TunnelEndpoint } from '../gateway/gateway-addresses.js';
import type { StreamStatus, TunnelStream, TunnelTransport } from '../gateway/grpc-transport.js';
import type { Logger } from '../logging/logger.js';
import type { TargetDialers } from '../targets/target-dialer.js';
import { heartbeatFrame, helloFrame, toRequest, type AgentFrame, type FrameSink, type HelloFields } from './frames.js';
import { SessionTable } from './session-table.js';

export interface TunnelTiming {
  /** A gateway that accepts the call but never answers Hello is dropped after this. */
  welcomeTimeoutMs: number;
  /** When Welcome.heartbeat_interval_ms is 0 (docs/tunnel.md: default 5 s). */
  defaultHeartbeatMs: number;
  /** After a graceful end(), how long the gateway has to end the call before it is cancelled. */
  drainTimeoutMs: number;
  /** docs/tunnel.md §3: the target must answer within 10 s. */
  dialTimeoutMs: number;
}

export const DEFAULT_TIMING: TunnelTiming = { welcomeTimeoutMs: 15_000, defaultHeartbeatMs: 5_000, drainTimeoutMs: 5_000, dialTimeoutMs: 10_000 };

/** docs/tunnel.md §2: a side that hears nothing for 3 intervals drops the stream. */
const SILENT_INTERVALS = 3;
/** A gateway asking for faster heartbeats than this would only load both sides. */
const MIN_HEARTBEAT_MS = 250;

export interface TunnelConnectionDeps {
  endpoint: TunnelEndpoint;
  hello: HelloFields;
  token: SecretValue;
  transport: TunnelTransport;
  credentials: CredentialProvider;
  dialers: TargetDialers;
  clock: Clock;
  logger: Logger;
  timing: TunnelTiming;
  onWelcome(welcome: Welcome): void;
  onGrantRevoked(grantId: string, reason: CloseReason): void;
  onEnd(status: StreamStatus): void;
}

export class TunnelConnection implements FrameSink {
  private stream: TunnelStream | undefined;
  private sessions: SessionTable | undefined;
  private congested = false;
  private ended = false;
  private lastHeard = 0;
  private cancelTimer: Cancel = () => {};
  private dropReason: string | undefined;

  constructor(private readonly deps: TunnelConnectionDeps) {}

  open(): void {
    this.lastHeard = this.deps.clock.now();
    this.stream = this.deps.transport.open(this.deps.endpoint, this.deps.token, {
      onMessage: (message) => this.onMessage(message),
      onDrain: () => this.onDrain(),
      onEnd: (status) => this.streamEnded(status),
    });
    this.send(helloFrame(this.deps.hello));
    const { welcomeTimeoutMs } = this.deps.timing;
    this.cancelTimer = this.deps.clock.setTimeout(() => this.drop(`no Welcome within ${welcomeTimeoutMs} ms`), welcomeTimeoutMs);
  }

  // ---- FrameSink ------------------------------------------------------------------------

  send(frame: AgentFrame): void {
    if (!this.stream || this.ended) return;
    if (!this.stream.write(toRequest(frame))) this.congested = true;
  }

  writable(): boolean {
    return !this.congested && !this.ended;
  }

  // ---- control from the Tunnel ----------------------------------------------------------

  get sessionCount(): number {
    return this.sessions?.size ?? 0;
  }

  closeGrant(grantId: string, reason: CloseReason): number {
    return this.sessions?.closeGrant(grantId, reason, reason === CloseReason.GRANT_EXPIRED ? 'grant expired' : 'grant revoked') ?? 0;
  }

  /** Graceful end: close sessions with SHUTDOWN (the gateway is told), then half-close the call. */
  drain(): void {
    if (this.ended) return;
    this.sessions?.closeAll(CloseReason.SHUTDOWN, 'agent shutting down');
    this.stream?.end();
    this.cancelTimer();
    this.cancelTimer = this.deps.clock.setTimeout(() => this.drop('the gateway did not end the stream after shutdown'), this.deps.timing.drainTimeoutMs);
  }

  /** Ends the call now; the end is reported (as CANCELLED with this reason) through onEnd. */
  drop(reason: string): void {
    if (this.ended || this.dropReason !== undefined) return;
    this.dropReason = reason;
    this.stream?.cancel();
  }

  // ---- the stream -----------------------------------------------------------------------

  private onMessage(message: ConnectResponse): void {
    if (this.ended) return;
    this.lastHeard = this.deps.clock.now();
    const frame = message.msg;
    const sessions = this.sessions;
    if (!sessions) {
      if (frame.case === 'welcome') return this.welcomed(frame.value);
      return this.drop(`the gateway sent ${frame.case ?? 'an empty message'} before Welcome`);
    }
    switch (frame.case) {
      case 'heartbeat':
        return;
      case 'sessionOpen':
        return sessions.open(frame.value);
      case 'data':
      case 'windowUpdate':
      case 'halfClose':
      case 'sessionClose':
      case 'sessionCancel':
        return sessions.route(frame);
      case 'grantRevoked':
        return this.deps.onGrantRevoked(frame.value.grantId, frame.value.reason);
      case 'welcome':
        this.deps.logger.warn('a second Welcome on one stream was ignored');
        return;
      case undefined:
        // A message type from a newer gateway: ignoring it keeps old agents working.
        this.deps.logger.debug('unknown message from the gateway ignored');
        return;
    }
  }

  private welcomed(welcome: Welcome): void {
    this.cancelTimer();
    const { clock, logger, timing } = this.deps;
    this.sessions = new SessionTable({
      sink: this,
      assignments: new Map(welcome.connections.map((assignment) => [assignment.name, assignment])),
      dialers: this.deps.dialers,
      clock,
      logger,
      dialTimeoutMs: timing.dialTimeoutMs,
    });
    logger.info({ gatewayId: welcome.gatewayId, agentId: welcome.agentId, connections: welcome.connections.map((c) => c.name), heartbeatMs: welcome.heartbeatIntervalMs }, 'tunnel ready');
    for (const refused of welcome.refused) logger.warn({ connection: refused.name, reason: refused.reason }, 'the gateway refused a connection this agent offered');
    void this.checkAssignments(welcome);
    const interval = Math.max(welcome.heartbeatIntervalMs || timing.defaultHeartbeatMs, MIN_HEARTBEAT_MS);
    this.scheduleHeartbeat(interval);
    this.deps.onWelcome(welcome);
  }

  /** Reports, at connect time, a connection whose sessions would fail later for want of a credential. */
  private async checkAssignments(welcome: Welcome): Promise<void> {
    for (const assignment of welcome.connections) {
      const log = this.deps.logger.child({ connection: assignment.name, type: assignment.type });
      const dialer = this.deps.dialers.get(assignment.type);
      if (!dialer) log.warn('connection type not supported by this agent: its sessions will be refused');
      // A postgres connection may name more than one (a read-only role's): each is checked.
      const refs = dialer?.credentialRefs?.(assignment) ?? [assignment.credentialRef];
      for (const credentialRef of refs) {
        if (credentialRef === '') continue;
        const check = await this.deps.credentials.check(credentialRef);
        if (check.ok) log.debug({ credentialRef }, 'credential available');
        else log.warn({ credentialRef, problem: check.message }, 'credential not available');
      }
    }
  }

  private scheduleHeartbeat(interval: number): void {
    this.cancelTimer = this.deps.clock.setTimeout(() => {
      if (this.ended) return;
      const silentFor = this.deps.clock.now() - this.lastHeard;
      if (silentFor >= SILENT_INTERVALS * interval) return this.drop(`nothing heard from the gateway for ${silentFor} ms`);
      this.send(heartbeatFrame(this.deps.clock.now()));
      this.scheduleHeartbeat(interval);
    }, interval);
  }

  private onDrain(): void {
    this.congested = false;
    this.sessions?.resume();
  }

  private streamEnded(status: StreamStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelTimer();
    this.sessions?.abortAll('the tunnel to the gateway closed');
    this.deps.onEnd(this.dropReason === undefined ? status : { code: status.code, details: this.dropReason });
  }
}
