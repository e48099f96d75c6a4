// An established session on this replica: the client's socket piped through a SessionPipe to
// its channel on a tunnel, with the grant's deadline armed. The gateway enforces expiry itself,
// on its own clock, whatever the agent does (docs/tunnel.md, "Enforcement").
import type { Duplex } from 'node:stream';
import { CloseReason } from '@jitgate/proto';
import { SessionPipe, type LocalEnd, type SessionEnd, type SessionStats } from '@jitgate/tunnel';
import { endReasonOf, type EndOverride, type EndReason } from '../tunnel/end-reasons.js';
import type { SessionChannel } from '../tunnel/session-channel.js';

export interface LiveSessionInfo {
  id: string;
  identityId: string;
  identityKind: 'human' | 'service';
  /** The gateway token that opened it; null for an OIDC JWT (its identity's end covers it). */
  tokenId: string | null;
  /**
   * performance.now() when its admission began (before the token was checked): an end heard
   * after this may have been missed by its checks (LiveSessions.add).
   */
  admissionStartedAt: number;
  grantId: string;
  grantExpiresAt: Date;
  connectionId: string;
  connectionName: string;
  agentId: string;
  tunnelId: string;
  clientAddress: string;
  startedAt: Date;
}

export interface SessionSummary {
  reason: EndReason;
  /** "local" (the gateway's side), "peer" (the agent's), or the identity that ended it. */
  endedBy: string;
  by: SessionEnd['by'];
  message: string;
  stats: SessionStats;
}

export interface LiveSessionHooks {
  now(): Date;
  onEnd(session: LiveSession, summary: SessionSummary): void;
}

/** setTimeout holds at most 2^31-1 ms; longer grants re-arm. */
const MAX_TIMER_MS = 2_147_000_000;

export class LiveSession {
  private expiry: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly info: LiveSessionInfo,
    private readonly channel: SessionChannel,
    private readonly hooks: LiveSessionHooks,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** After the 200 line was written: bytes flow from here on (`socket` or a protocol's own local end). */
  start(socket: Duplex | LocalEnd, sendWindow: number): void {
    const pipe = new SessionPipe(socket, this.channel, {
      sendWindow,
      receiveWindow: this.channel.receiveWindow,
      socketClosedReason: CloseReason.CLIENT_CLOSED,
      onEnd: (end, stats) => this.finish(end, stats),
    });
    // Replays what the agent sent while the row was written; may end the session at once.
    this.channel.attach(pipe);
    if (this.ended) return;
    // The pipe never sees a 'close' that happened before it listened.
    if (socket.destroyed) return pipe.close(CloseReason.CLIENT_CLOSED, 'the client left before the session started');
    this.armExpiry();
    // The handshake left the socket paused; the pipe reads from here on (a LocalEnd may wait to be opened).
    pipe.resume();
  }

  /** Ends the session now (grant ended, shutdown): tells the agent and drops the client. */
  close(reason: CloseReason, message: string, override?: EndOverride): void {
    if (this.ended) return;
    this.channel.close(reason, message, override);
  }

  private armExpiry(): void {
    if (this.ended) return;
    const remaining = this.info.grantExpiresAt.getTime() - this.hooks.now().getTime();
    if (remaining <= 0) return this.close(CloseReason.GRANT_EXPIRED, 'the grant has expired');
    this.expiry = setTimeout(() => this.armExpiry(), Math.min(remaining, MAX_TIMER_MS));
    this.expiry.unref();
  }

  private finish(end: SessionEnd, stats: SessionStats): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiry);
    this.channel.release();
    const override = this.channel.override;
    this.hooks.onEnd(this, {
      reason: override?.reason ?? endReasonOf(end.reason),
      endedBy: override?.endedBy ?? end.by,
      by: end.by,
      message: end.message,
      stats,
    });
  }
}
