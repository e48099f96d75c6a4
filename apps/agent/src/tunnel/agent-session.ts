// One session at the agent: dial the target, answer SessionOpened, then hand the bytes to
// SessionPipe. The session holds its own deadline (grant_expires_at, by this agent's clock) and
// closes itself with GRANT_EXPIRED when it passes, whatever the gateway does
// (test/tunnel-sessions.test.ts "frozen gateway").
//
//   opening ──dial ok──► open ──pipe ends (target, peer, expiry, revoke, shutdown)──► closed
//   opening ──dial fails / expiry / revoke / shutdown / peer close / tunnel gone─────► closed
import { CloseReason, type ConnectionAssignment, type SessionOpen } from '@jitgate/proto';
import { DEFAULT_WINDOW, SessionPipe, type PeerFrames, type SessionEnd, type SessionStats } from '@jitgate/tunnel';
import { atTime, type Cancel, type Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { privilegesOf } from '@jitgate/pgwire';
import type { PostgresRole } from '../targets/postgres-login.js';
import { TargetDialError, type TargetDialer } from '../targets/target-dialer.js';
import { closeFrame, dataFrame, halfCloseFrame, openedFrame, reasonName, windowUpdateFrame, type FrameSink } from './frames.js';

export interface AgentSessionDeps {
  sink: FrameSink;
  clock: Clock;
  logger: Logger;
  dialTimeoutMs: number;
  /** The session is over: the table forgets its sid. */
  onEnd(sid: number): void;
}

export class AgentSession {
  private state: 'opening' | 'open' | 'closed' = 'opening';
  private pipe: SessionPipe | undefined;
  private readonly dialAbort = new AbortController();
  private cancelExpiry: Cancel = () => {};
  /** Cancels the running statement on the target (postgres), when the type supports it. */
  private cancelTarget: (() => void) | undefined;
  private readonly startedAt: number;
  private readonly log: Logger;
  readonly sid: number;
  readonly grantId: string;

  constructor(
    private readonly open: SessionOpen,
    private readonly assignment: ConnectionAssignment,
    private readonly dialer: TargetDialer,
    private readonly deps: AgentSessionDeps,
  ) {
    this.sid = open.sid;
    this.grantId = open.grantId;
    this.startedAt = deps.clock.now();
    this.log = deps.logger.child({ sessionId: open.sessionId, sid: open.sid, grantId: open.grantId, connection: open.connection });
  }

  start(): void {
    const expiresAt = Number(this.open.grantExpiresAtUnixMs);
    this.cancelExpiry = atTime(this.deps.clock, expiresAt, () => this.close(CloseReason.GRANT_EXPIRED, 'grant expired by the agent clock'));
    this.log.info({ grantExpiresAt: new Date(expiresAt).toISOString() }, 'session opening');
    void this.connect();
  }

  private async connect(): Promise<void> {
    let target;
    try {
      target = await this.dialer.dial(this.assignment, {
        signal: this.dialAbort.signal,
        timeoutMs: this.deps.dialTimeoutMs,
        scope: this.open.scope,
        clientParameters: this.open.clientParameters,
        grantExpiresAtUnixMs: Number(this.open.grantExpiresAtUnixMs),
      });
    } catch (error) {
      if (this.state !== 'opening') return;
      const message = error instanceof TargetDialError ? error.message : 'target unreachable';
      if (!(error instanceof TargetDialError)) this.log.error({ err: error }, 'dialling the target failed unexpectedly');
      this.deps.sink.send(openedFrame(this.sid, { ok: false, error: message }));
      return this.ended({ reason: CloseReason.TARGET_UNREACHABLE, message, by: 'local' });
    }
    const socket = target.socket;
    if (this.state !== 'opening') {
      socket.destroy();
      return;
    }
    this.state = 'open';
    this.cancelTarget = target.cancel;
    if (target.postgresLogin) this.logLogin(target.postgresLogin);
    // SessionOpened goes out before the pipe reads the socket, so a target that speaks first
    // (SSH, SMTP) cannot get DATA onto the wire ahead of it.
    this.deps.sink.send(openedFrame(this.sid, { ok: true, initialWindow: DEFAULT_WINDOW, postgresLogin: target.postgresLogin }));
    const sink = this.deps.sink;
    const sid = this.sid;
    const frames: PeerFrames = {
      sendData: (payload) => sink.send(dataFrame(sid, payload)),
      sendWindowUpdate: (increment) => sink.send(windowUpdateFrame(sid, increment)),
      sendHalfClose: () => sink.send(halfCloseFrame(sid)),
      sendClose: (reason, message) => sink.send(closeFrame(sid, reason, message)),
      writable: () => sink.writable(),
    };
    this.pipe = new SessionPipe(socket, frames, {
      // 0 is proto3's "unset": the documented default window.
      sendWindow: this.open.initialWindow || DEFAULT_WINDOW,
      receiveWindow: DEFAULT_WINDOW,
      socketClosedReason: CloseReason.TARGET_CLOSED,
      onEnd: (end, stats) => this.ended(end, stats),
    });
    // A dialer that logged in (postgres) leaves the socket paused, with the server's first words unshifted.
    this.pipe.resume();
    this.log.info('session open');
  }

  /** Who the agent is on the server; a role that reaches past the guard is worth a warning. */
  private logLogin(role: PostgresRole): void {
    const privileges = privilegesOf(role);
    if (privileges.length > 0)
      this.log.warn({ role: role.role, privileges, readOnly: role.readOnly }, 'logged in to the server as a privileged role: the database does not limit this session (docs/security.md)');
    else this.log.info({ role: role.role, readOnly: role.readOnly }, 'logged in to the server');
  }

  // ---- frames from the gateway ----------------------------------------------------------

  onData(payload: Uint8Array): void {
    if (this.pipe) this.pipe.onData(payload);
    else this.close(CloseReason.PROTOCOL_ERROR, 'data before the session was opened');
  }

  onWindowUpdate(increment: number): void {
    if (this.pipe) this.pipe.onWindowUpdate(increment);
    else this.close(CloseReason.PROTOCOL_ERROR, 'window update before the session was opened');
  }

  onHalfClose(): void {
    if (this.pipe) this.pipe.onHalfClose();
    else this.close(CloseReason.PROTOCOL_ERROR, 'half-close before the session was opened');
  }

  /** The client asked to cancel what runs (SessionCancel); a type without cancel ignores it. */
  onCancel(): void {
    if (this.state !== 'open' || !this.cancelTarget) return;
    this.log.info('cancel requested');
    this.cancelTarget();
  }

  /** The gateway closed it (client gone, its own expiry timer…): nothing to answer. */
  onPeerClose(reason: CloseReason, message: string): void {
    if (this.pipe) return this.pipe.onClose(reason, message);
    this.dialAbort.abort();
    this.ended({ reason, message, by: 'peer' });
  }

  // ---- decisions at the agent -----------------------------------------------------------

  /** Ends the session and tells the gateway: SessionClose once open, a refused SessionOpened before. */
  close(reason: CloseReason, message: string): void {
    if (this.pipe) return this.pipe.close(reason, message);
    if (this.state !== 'opening') return;
    this.dialAbort.abort();
    this.deps.sink.send(openedFrame(this.sid, { ok: false, error: message }));
    this.ended({ reason, message, by: 'local' });
  }

  /** The tunnel is gone: nobody to tell, but the target connection must not outlive it. */
  abort(message: string): void {
    if (this.pipe) return this.pipe.abort(CloseReason.UNSPECIFIED, message);
    this.dialAbort.abort();
    this.ended({ reason: CloseReason.UNSPECIFIED, message, by: 'local' });
  }

  resume(): void {
    this.pipe?.resume();
  }

  private ended(end: SessionEnd, stats: SessionStats = { bytesFromSocket: 0, bytesToSocket: 0 }): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelExpiry();
    this.deps.onEnd(this.sid);
    this.log.info(
      {
        reason: reasonName(end.reason),
        by: end.by,
        detail: end.message,
        bytesToTarget: stats.bytesToSocket,
        bytesFromTarget: stats.bytesFromSocket,
        durationMs: this.deps.clock.now() - this.startedAt,
      },
      'session closed',
    );
  }
}
