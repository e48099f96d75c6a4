// The sessions of one tunnel stream, by the gateway-chosen sid. It decides whether a
// SessionOpen may proceed (docs/tunnel.md §3: the connection is in this tunnel's Welcome and the
// grant is in force by the agent's clock) and routes per-session frames. A frame that breaks a
// session's rules closes that session only; a frame for an unknown sid is answered with
// SessionClose{PROTOCOL_ERROR} for that sid (§6). Nothing here ends the tunnel.
import { CloseReason, type ConnectionAssignment, type ConnectResponse, type SessionOpen } from '@jitgate/proto';
import { MAX_FRAME } from '@jitgate/tunnel';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { TargetDialers } from '../targets/target-dialer.js';
import { AgentSession } from './agent-session.js';
import { closeFrame, openedFrame, type FrameSink } from './frames.js';

export interface SessionTableDeps {
  sink: FrameSink;
  /** This stream's Welcome assignment, by connection name. */
  assignments: ReadonlyMap<string, ConnectionAssignment>;
  dialers: TargetDialers;
  clock: Clock;
  logger: Logger;
  dialTimeoutMs: number;
}

/** Sids closed lately: frames the gateway sent before it saw our close are dropped quietly. */
const RECENTLY_CLOSED_LIMIT = 1024;

type SessionFrame = Extract<ConnectResponse['msg'], { case: 'data' | 'windowUpdate' | 'halfClose' | 'sessionClose' | 'sessionCancel' }>;

export class SessionTable {
  private readonly sessions = new Map<number, AgentSession>();
  private readonly recentlyClosed = new Set<number>();
  private accepting = true;

  constructor(private readonly deps: SessionTableDeps) {}

  get size(): number {
    return this.sessions.size;
  }

  open(open: SessionOpen): void {
    const refuse = (error: string): void => {
      this.deps.logger.warn({ sessionId: open.sessionId, sid: open.sid, grantId: open.grantId, connection: open.connection, error }, 'session refused');
      this.deps.sink.send(openedFrame(open.sid, { ok: false, error }));
    };
    if (!this.accepting) return refuse('the agent is shutting down');
    if (this.sessions.has(open.sid)) return refuse(`sid ${open.sid} is already in use on this tunnel`);
    const assignment = this.deps.assignments.get(open.connection);
    if (!assignment) return refuse(`connection "${open.connection}" is not assigned to this agent on this tunnel`);
    if (!(Number(open.grantExpiresAtUnixMs) > this.deps.clock.now())) return refuse('the grant is not in force by the agent clock');
    const dialer = this.deps.dialers.get(assignment.type);
    if (!dialer) return refuse(`connection type "${assignment.type}" is not supported by this agent`);

    const session = new AgentSession(open, assignment, dialer, {
      sink: this.deps.sink,
      clock: this.deps.clock,
      logger: this.deps.logger,
      dialTimeoutMs: this.deps.dialTimeoutMs,
      onEnd: (sid) => this.forget(sid),
    });
    this.recentlyClosed.delete(open.sid);
    this.sessions.set(open.sid, session);
    session.start();
  }

  /** Data, WindowUpdate, HalfClose and SessionClose from the gateway. */
  route(frame: SessionFrame): void {
    const sid = frame.value.sid;
    const session = this.sessions.get(sid);
    if (!session) {
      // Closing is idempotent: a close for a sid we do not know needs no answer (and answering
      // would let two sides bounce closes at each other).
      if (frame.case === 'sessionClose' || frame.case === 'sessionCancel' || this.recentlyClosed.has(sid)) return;
      this.deps.logger.warn({ sid, frame: frame.case }, 'frame for an unknown session');
      return this.deps.sink.send(closeFrame(sid, CloseReason.PROTOCOL_ERROR, 'unknown session'));
    }
    switch (frame.case) {
      case 'data':
        if (frame.value.payload.byteLength > MAX_FRAME) return session.close(CloseReason.PROTOCOL_ERROR, 'data frame larger than 64 KiB');
        return session.onData(frame.value.payload);
      case 'windowUpdate':
        return session.onWindowUpdate(frame.value.increment);
      case 'halfClose':
        return session.onHalfClose();
      case 'sessionClose':
        return session.onPeerClose(frame.value.reason, frame.value.message);
      case 'sessionCancel':
        return session.onCancel();
    }
  }

  /** GrantRevoked, or a grant that ended: every session of it closes now. */
  closeGrant(grantId: string, reason: CloseReason, message: string): number {
    const matching = [...this.sessions.values()].filter((session) => session.grantId === grantId);
    for (const session of matching) session.close(reason, message);
    return matching.length;
  }

  /** Shutdown: refuse new sessions and close the open ones, telling the gateway why. */
  closeAll(reason: CloseReason, message: string): void {
    this.accepting = false;
    for (const session of [...this.sessions.values()]) session.close(reason, message);
  }

  /** The stream is gone: close every target connection; there is no one left to tell. */
  abortAll(message: string): void {
    this.accepting = false;
    for (const session of [...this.sessions.values()]) session.abort(message);
  }

  /** The stream drained: pipes that paused for it read on. */
  resume(): void {
    for (const session of this.sessions.values()) session.resume();
  }

  private forget(sid: number): void {
    this.sessions.delete(sid);
    this.recentlyClosed.add(sid);
    if (this.recentlyClosed.size > RECENTLY_CLOSED_LIMIT) {
      const oldest = this.recentlyClosed.values().next().value;
      if (oldest !== undefined) this.recentlyClosed.delete(oldest);
    }
  }
}
