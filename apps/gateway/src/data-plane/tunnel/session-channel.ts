// One session number (sid) on one tunnel: the frames of a session between the gateway and the
// agent. It is the SessionPipe's PeerFrames on the way out and routes the agent's frames to the
// pipe on the way in.
//
//   opening ──SessionOpened{ok}──► open ──attach(pipe)──► attached ──(pipe ends)──► released
//      │                            │
//      └─SessionOpened{!ok} / timeout / tunnel gone / close() ───────────────────► released
//
// Between `open` and `attach` the gateway writes the session row; frames the agent sends in that
// gap (a target that speaks first) are kept, bounded by the window we advertised, and replayed.
// Whatever ends the session in that gap (a broken rule, a grant's end, the tunnel) takes effect
// at attach, so that the end is recorded like any other (session-channel.spec.ts).
import { CloseReason, type ConnectResponse, type PostgresLogin, type SessionOpened } from '@jitgate/proto';
import { DEFAULT_WINDOW, MAX_FRAME, type PeerFrames, type SessionPipe } from '@jitgate/tunnel';
import type { EndOverride } from './end-reasons.js';
import { toAgent } from './tunnel-frames.js';

/** What a channel needs from its tunnel. */
export interface ChannelTransport {
  send(message: ConnectResponse): void;
  writable(): boolean;
  forget(sid: number): void;
  countBytes(direction: 'up' | 'down', bytes: number): void;
}

/** The agent's answer; `postgresLogin` is who it logged in as on a postgres server. */
export type OpenResult = { ok: true; sendWindow: number; postgresLogin?: PostgresLogin } | { ok: false; error: string };

type EarlyFrame = { kind: 'data'; payload: Uint8Array } | { kind: 'window'; increment: number } | { kind: 'half' } | { kind: 'close'; reason: CloseReason; message: string };

type Phase = 'opening' | 'open' | 'attached' | 'released';

/** The most a SessionOpened may advertise; larger is nonsense, not generosity. */
const MAX_SEND_WINDOW = 64 * 1024 * 1024;

export class SessionChannel implements PeerFrames {
  private phase: Phase = 'opening';
  private pipe: SessionPipe | undefined;
  private readonly early: EarlyFrame[] = [];
  private earlyBytes = 0;
  /** A rule the agent broke before the pipe was attached; attach() closes the session for it. */
  private violation: string | undefined;
  /** Set when the tunnel went away before the pipe was attached. */
  private lost: { reason: CloseReason; message: string } | undefined;
  /** Set when this side closed the session before a pipe was attached. */
  private closedWith: { reason: CloseReason; message: string } | undefined;
  private settleOpen: ((result: OpenResult) => void) | undefined;
  private readonly opened: Promise<OpenResult>;
  /** Why the gateway ended the session, when the wire's reason does not say it. */
  override: EndOverride | undefined;

  constructor(
    readonly sid: number,
    readonly sessionId: string,
    readonly grantId: string,
    private readonly transport: ChannelTransport,
    readonly receiveWindow: number = DEFAULT_WINDOW,
  ) {
    this.opened = new Promise((resolve) => {
      this.settleOpen = resolve;
    });
  }

  get isReleased(): boolean {
    return this.phase === 'released';
  }

  // ---- PeerFrames: the pipe's frames to the agent ------------------------------------------

  sendData(payload: Uint8Array): void {
    this.transport.countBytes('up', payload.byteLength);
    this.transport.send(toAgent.data(this.sid, payload));
  }

  sendWindowUpdate(increment: number): void {
    this.transport.send(toAgent.windowUpdate(this.sid, increment));
  }

  sendHalfClose(): void {
    this.transport.send(toAgent.halfClose(this.sid));
  }

  sendClose(reason: CloseReason, message: string): void {
    this.transport.send(toAgent.sessionClose(this.sid, reason, message));
  }

  writable(): boolean {
    return this.transport.writable();
  }

  /** Asks the agent to cancel what runs on the target (a postgres CancelRequest); no answer comes. */
  cancel(): void {
    if (this.phase === 'attached') this.transport.send(toAgent.sessionCancel(this.sid));
  }

  /** The tunnel drained: the pipe may read its socket again. */
  resume(): void {
    this.pipe?.resume();
  }

  // ---- opening ---------------------------------------------------------------------------

  /** The agent's answer to SessionOpen, or a failure after `timeoutMs` (docs/tunnel.md: 10 s). */
  async waitOpened(timeoutMs: number): Promise<OpenResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<OpenResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: `the agent did not reach the target within ${timeoutMs / 1000} s` }), timeoutMs);
    });
    const result = await Promise.race([this.opened, timeout]);
    clearTimeout(timer);
    if (!result.ok && this.phase !== 'released') this.close(CloseReason.TARGET_UNREACHABLE, result.error);
    return result;
  }

  /** Hands the session to its pipe and replays what the agent sent meanwhile. */
  attach(pipe: SessionPipe): void {
    // Closed meanwhile (the agent was told then): the pipe only reports the end.
    if (this.phase === 'released' && this.closedWith) {
      this.pipe = pipe;
      return pipe.abort(this.closedWith.reason, this.closedWith.message);
    }
    if (this.phase !== 'open') throw new Error(`attach in phase ${this.phase}`);
    this.phase = 'attached';
    this.pipe = pipe;
    if (this.lost) return pipe.abort(this.lost.reason, this.lost.message);
    if (this.violation) return pipe.close(CloseReason.PROTOCOL_ERROR, this.violation);
    for (const frame of this.early.splice(0)) this.deliver(pipe, frame);
  }

  /** Ends the session from this side before or instead of a pipe: tells the agent, frees the sid. */
  close(reason: CloseReason, message: string, override?: EndOverride): void {
    if (this.phase === 'released') return;
    if (override) this.override = override;
    if (this.pipe) return this.pipe.close(reason, message);
    this.sendClose(reason, message);
    this.closedWith = { reason, message };
    this.settleOpen?.({ ok: false, error: message });
    this.release();
  }

  /** The tunnel is gone: nothing can be told to the agent any more. */
  abort(reason: CloseReason, message: string, override: EndOverride): void {
    if (this.phase === 'released') return;
    this.override ??= override;
    if (this.pipe) return this.pipe.abort(reason, message);
    if (this.phase === 'open') {
      // The session row is being written; attach() ends it as soon as it is.
      this.lost = { reason, message };
      return;
    }
    this.settleOpen?.({ ok: false, error: message });
    this.release();
  }

  /** The pipe ended (or the session never started): the sid is free of routing. */
  release(): void {
    if (this.phase === 'released') return;
    this.phase = 'released';
    this.early.length = 0;
    this.transport.forget(this.sid);
  }

  // ---- frames from the agent ---------------------------------------------------------------

  onOpened(message: SessionOpened): void {
    if (this.phase !== 'opening') return;
    if (message.ok) {
      this.phase = 'open';
      const advertised = message.initialWindow === 0 ? DEFAULT_WINDOW : Math.min(message.initialWindow, MAX_SEND_WINDOW);
      this.settleOpen?.({ ok: true, sendWindow: advertised, ...(message.postgresLogin ? { postgresLogin: message.postgresLogin } : {}) });
    } else {
      // The agent refused or could not dial: the session never existed on its side either.
      this.settleOpen?.({ ok: false, error: message.error || 'the agent could not open the session' });
      this.release();
    }
  }

  onData(payload: Uint8Array): void {
    this.transport.countBytes('down', payload.byteLength);
    if (payload.byteLength > MAX_FRAME) return this.broke(`data frame larger than ${MAX_FRAME / 1024} KiB`);
    this.receive({ kind: 'data', payload });
  }

  onWindowUpdate(increment: number): void {
    this.receive({ kind: 'window', increment });
  }

  onHalfClose(): void {
    this.receive({ kind: 'half' });
  }

  onClose(reason: CloseReason, message: string): void {
    if (this.phase === 'opening') {
      // The agent gave up on the open (its own deadline): same as a refusal.
      this.settleOpen?.({ ok: false, error: message || 'the agent closed the session while opening it' });
      this.release();
      return;
    }
    this.receive({ kind: 'close', reason, message });
  }

  private receive(frame: EarlyFrame): void {
    switch (this.phase) {
      case 'attached':
        return this.deliver(this.pipe as SessionPipe, frame);
      case 'open':
        if (this.violation) return;
        // Bounded by the window we advertised: past it the agent is misbehaving.
        if (frame.kind === 'data') {
          this.earlyBytes += frame.payload.byteLength;
          if (this.earlyBytes > this.receiveWindow) return this.broke('data beyond the advertised window');
        }
        this.early.push(frame);
        return;
      case 'opening':
        // Session frames before SessionOpened break the session's rules (docs/tunnel.md §6).
        return this.close(CloseReason.PROTOCOL_ERROR, 'session frames before SessionOpened');
      case 'released':
        return;
    }
  }

  /** The agent broke a rule of this session: it closes, nothing else does (docs/tunnel.md §6). */
  private broke(why: string): void {
    switch (this.phase) {
      case 'attached':
        return (this.pipe as SessionPipe).close(CloseReason.PROTOCOL_ERROR, why);
      case 'open':
        // The row is being written; attach() ends the session, so that it is recorded.
        this.violation = why;
        this.early.length = 0;
        return;
      case 'opening':
        return this.close(CloseReason.PROTOCOL_ERROR, why);
      case 'released':
        return;
    }
  }

  private deliver(pipe: SessionPipe, frame: EarlyFrame): void {
    switch (frame.kind) {
      case 'data':
        return pipe.onData(frame.payload);
      case 'window':
        return pipe.onWindowUpdate(frame.increment);
      case 'half':
        return pipe.onHalfClose();
      case 'close':
        return pipe.onClose(frame.reason, frame.message);
    }
  }
}
