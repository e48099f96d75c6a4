// One agent instance's stream (TunnelService/Connect), owned end to end by this class.
//
//   handshaking ──accept()──► ready ──end() / stream ends / heartbeats stop──► closed
//        └──────────refuse()────────────────────────────────────────────────────┘
//
// Writes respect the stream's backpressure: when call.write() returns false the tunnel stops
// being writable (every SessionPipe then stops reading its client socket), and at 'drain' it
// resumes them all, starting each time with a different one so that no session starves another.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { CloseReason, type ConnectRequest, type ConnectResponse, type Hello } from '@jitgate/proto';
import type { EndOverride } from './end-reasons.js';
import { SessionChannel } from './session-channel.js';
import { toAgent } from './tunnel-frames.js';

export type TunnelCall = ServerDuplexStream<ConnectRequest, ConnectResponse>;
export type TunnelState = 'handshaking' | 'ready' | 'closed';

/** Who is on the other end, once admitted. */
export interface TunnelPeer {
  agentId: string;
  agentName: string;
  agentGroup: string;
  instanceId: string;
  version: string;
  labels: Record<string, string>;
}

/** A connection this tunnel carries sessions for (its Welcome assignment). */
export interface TunnelAssignment {
  connectionId: string;
  name: string;
  type: string;
}

/** Ends the call with a gRPC status; thrown by the handshake and mapped in one place. */
export class TunnelRefusal extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'TunnelRefusal';
  }
}

export interface AgentTunnelOptions {
  heartbeatIntervalMs: number;
  logger: Logger;
  countBytes(direction: 'up' | 'down', bytes: number): void;
  /** About once a minute while the agent is heard (lastSeenAt), and once when the tunnel closes. */
  onAlive(tunnel: AgentTunnel): void;
  /** After the tunnel closed, whatever the cause: the registry forgets it. */
  onClosed(tunnel: AgentTunnel): void;
}

const ALIVE_EVERY_MS = 60_000;

/** Silence longer than this many heartbeat intervals drops the stream (docs/tunnel.md §2). */
const MISSED_HEARTBEATS = 3;
/**
 * While our own writes are backed up (a slow link full of what the gateway sends), Node's HTTP/2
 * session stops reading the socket until a write completes: the agent's heartbeats then wait in
 * our receive buffer, and that silence is ours, not the agent's. So silence counts from the later
 * of the last message heard and the last time our backed-up writes drained: a link that still
 * takes our bytes is alive; one that takes nothing for 3 intervals is not (a partition: no drain). Beyond this bound of real silence (the gRPC keepalive's own, 30 s + 10 s) the tunnel is
 * dropped whatever moves. e2e/faults/network-partition.test.ts, "a slow link"; agent-tunnel.spec.ts.
 */
const CONGESTED_SILENCE_LIMIT_MS = 40_000;
/** Sids are uint32 on the wire. */
const MAX_SID = 0xffff_ffff;

export class AgentTunnel {
  readonly id = randomUUID();
  readonly connectedAt = new Date();
  private stateValue: TunnelState = 'handshaking';
  private peerValue: TunnelPeer | undefined;
  private assignmentsByName = new Map<string, TunnelAssignment>();
  private readonly channels = new Map<number, SessionChannel>();
  private nextSid = 1;
  private congested = false;
  /** When our backed-up writes last drained: the link took our bytes then; see CONGESTED_SILENCE_LIMIT_MS. */
  private lastDrainedAt = 0;
  private resumeFrom = 0;
  private lastHeardAt = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;
  private lastAliveAt = Date.now();
  private firstMessage: ((message: ConnectRequest) => void) | undefined;
  private abandonHello: ((why: string) => void) | undefined;

  constructor(
    private readonly call: TunnelCall,
    private readonly options: AgentTunnelOptions,
  ) {
    call.on('data', (message: ConnectRequest) => this.receive(message));
    call.on('drain', () => this.drained());
    call.on('end', () => this.end(status.OK, 'the agent ended the stream'));
    call.on('cancelled', () => this.closeLocally('the agent cancelled the stream'));
    call.on('error', (error: Error) => this.closeLocally(`stream error: ${error.message}`));
    call.on('close', () => this.closeLocally('the stream closed'));
  }

  get state(): TunnelState {
    return this.stateValue;
  }

  get peer(): TunnelPeer | undefined {
    return this.peerValue;
  }

  get assignments(): TunnelAssignment[] {
    return [...this.assignmentsByName.values()];
  }

  get sessionCount(): number {
    return this.channels.size;
  }

  serves(connectionName: string): boolean {
    return this.stateValue === 'ready' && this.assignmentsByName.has(connectionName);
  }

  servesConnectionId(connectionId: string): boolean {
    return this.assignments.some((a) => a.connectionId === connectionId);
  }

  // ---- handshake ---------------------------------------------------------------------------

  /** The first message, which must be Hello (INVALID_ARGUMENT otherwise). */
  hello(timeoutMs: number): Promise<Hello> {
    return new Promise<Hello>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TunnelRefusal(status.DEADLINE_EXCEEDED, `no Hello within ${timeoutMs / 1000} s`)), timeoutMs);
      this.abandonHello = (why) => {
        clearTimeout(timer);
        reject(new TunnelRefusal(status.CANCELLED, why));
      };
      this.firstMessage = (message) => {
        clearTimeout(timer);
        this.firstMessage = undefined;
        this.abandonHello = undefined;
        // Nothing else is read until the agent is admitted.
        this.call.pause();
        if (message.msg.case === 'hello') resolve(message.msg.value);
        else reject(new TunnelRefusal(status.INVALID_ARGUMENT, 'the first message must be Hello'));
      };
    });
  }

  accept(peer: TunnelPeer, assignments: TunnelAssignment[], welcome: ConnectResponse): void {
    if (this.stateValue !== 'handshaking') return;
    this.stateValue = 'ready';
    this.peerValue = peer;
    this.assignmentsByName = new Map(assignments.map((a) => [a.name, a]));
    this.send(welcome);
    this.lastHeardAt = Date.now();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.call.resume();
  }

  // ---- sessions ----------------------------------------------------------------------------

  /** Allocates a sid and sends SessionOpen; undefined when the tunnel cannot take a session. */
  openChannel(init: { sessionId: string; connection: string; grantId: string; grantExpiresAt: Date; scope: string; clientParameters?: Record<string, string> }): SessionChannel | undefined {
    if (this.stateValue !== 'ready' || this.nextSid > MAX_SID) return undefined;
    const sid = this.nextSid++;
    const channel = new SessionChannel(sid, init.sessionId, init.grantId, {
      send: (message) => this.send(message),
      writable: () => this.writable(),
      forget: (released) => this.channels.delete(released),
      countBytes: this.options.countBytes,
    });
    this.channels.set(sid, channel);
    this.send(toAgent.sessionOpen({ sid, ...init, initialWindow: channel.receiveWindow }));
    return channel;
  }

  /** Tells the agent to close every session of the grant (it may hold some from other replicas). */
  revokeGrant(grantId: string, reason: CloseReason): void {
    this.send(toAgent.grantRevoked(grantId, reason));
  }

  // ---- ending ------------------------------------------------------------------------------

  /** Refuses an agent that is not yet admitted: the call ends with `code`. */
  refuse(refusal: TunnelRefusal): void {
    this.end(refusal.code, refusal.message);
  }

  /**
   * Ends the tunnel: its sessions end with `override` (tunnel_lost unless said otherwise) and the
   * call ends with `code` (OK ends it normally). Idempotent.
   */
  end(code: status, details: string, override: EndOverride = { reason: 'tunnel_lost' }): void {
    if (this.stateValue === 'closed') return;
    this.closeLocally(details, override);
    if (code === status.OK) this.call.end();
    // grpc-js turns an 'error' event into the call's status (server-call.ts).
    else this.call.emit('error', { code, details });
  }

  private closeLocally(why: string, override: EndOverride = { reason: 'tunnel_lost' }): void {
    if (this.stateValue === 'closed') return;
    const wasReady = this.stateValue === 'ready';
    this.stateValue = 'closed';
    clearInterval(this.heartbeat);
    this.firstMessage = undefined;
    this.abandonHello?.(why);
    this.abandonHello = undefined;
    for (const channel of [...this.channels.values()]) channel.abort(CloseReason.SHUTDOWN, why, override);
    this.channels.clear();
    if (wasReady) {
      this.options.logger.log({ tunnelId: this.id, agentId: this.peerValue?.agentId, why }, 'agent tunnel closed');
      this.options.onAlive(this);
    }
    this.options.onClosed(this);
  }

  // ---- the stream ----------------------------------------------------------------------------

  writable(): boolean {
    return this.stateValue === 'ready' && !this.congested;
  }

  private send(message: ConnectResponse): void {
    if (this.stateValue === 'closed') return;
    // Control frames are written even while congested (they are small and bounded by the
    // sessions); DATA is held back by writable().
    if (!this.call.write(message)) this.congested = true;
  }

  private drained(): void {
    this.congested = false;
    this.lastDrainedAt = Date.now();
    const channels = [...this.channels.values()];
    if (channels.length === 0) return;
    const start = this.resumeFrom++ % channels.length;
    for (let i = 0; i < channels.length && !this.congested; i += 1) {
      channels[(start + i) % channels.length]?.resume();
    }
  }

  private beat(): void {
    const now = Date.now();
    const silentMs = now - this.lastHeardAt;
    // Silence counts from the last drain, if that is later: until then we may not have read it.
    const agentSilentMs = silentMs <= CONGESTED_SILENCE_LIMIT_MS ? now - Math.max(this.lastHeardAt, this.lastDrainedAt) : silentMs;
    if (agentSilentMs > MISSED_HEARTBEATS * this.options.heartbeatIntervalMs) {
      this.end(status.UNAVAILABLE, `no message from the agent for ${silentMs} ms`);
      return;
    }
    this.send(toAgent.heartbeat(new Date()));
    if (this.lastHeardAt - this.lastAliveAt >= ALIVE_EVERY_MS) {
      this.lastAliveAt = this.lastHeardAt;
      this.options.onAlive(this);
    }
  }

  private receive(message: ConnectRequest): void {
    this.lastHeardAt = Date.now();
    if (this.stateValue === 'handshaking') return this.firstMessage?.(message);
    if (this.stateValue === 'closed') return;
    const msg = message.msg;
    switch (msg.case) {
      case 'sessionOpened':
        return this.route(msg.value.sid, false, (c) => c.onOpened(msg.value));
      case 'data':
        return this.route(msg.value.sid, false, (c) => c.onData(msg.value.payload));
      case 'windowUpdate':
        return this.route(msg.value.sid, false, (c) => c.onWindowUpdate(msg.value.increment));
      case 'halfClose':
        return this.route(msg.value.sid, false, (c) => c.onHalfClose());
      case 'sessionClose':
        return this.route(msg.value.sid, true, (c) => c.onClose(msg.value.reason, msg.value.message));
      case 'heartbeat':
        return;
      case 'hello':
        this.options.logger.warn({ tunnelId: this.id, agentId: this.peerValue?.agentId }, 'a second Hello on an admitted tunnel; ignored');
        return;
      default:
        // An empty or newer message: nothing this gateway knows to do with it.
        return;
    }
  }

  /**
   * Frames for an unknown sid are answered with SessionClose{PROTOCOL_ERROR} and otherwise
   * ignored (docs/tunnel.md §6), except a SessionClose, which is never answered: two sides doing
   * that would echo forever. A sid this tunnel used before is a session that just closed, whose
   * frames were in flight; those are dropped quietly.
   */
  private route(sid: number, isClose: boolean, deliver: (channel: SessionChannel) => void): void {
    const channel = this.channels.get(sid);
    if (channel) {
      try {
        deliver(channel);
      } catch (error) {
        // One broken session never takes the tunnel or another session with it.
        this.options.logger.warn({ tunnelId: this.id, sessionId: channel.sessionId, err: String(error) }, 'session frame failed');
        channel.close(CloseReason.PROTOCOL_ERROR, 'the gateway could not handle a frame');
      }
      return;
    }
    if (isClose || (sid > 0 && sid < this.nextSid)) return;
    this.send(toAgent.sessionClose(sid, CloseReason.PROTOCOL_ERROR, `unknown session ${sid}`));
  }
}
