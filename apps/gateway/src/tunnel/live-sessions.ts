// The established sessions of this replica, by id and by grant, so that a grant's end closes its
// sessions within milliseconds and shutdown closes them all and waits for their rows.
import { Injectable } from '@nestjs/common';
import type { CloseReason } from '@jitgate/proto';
import type { EndOverride } from './end-reasons.js';
import type { LiveSession } from './live-session.js';

interface EndedGrant {
  reason: CloseReason;
  message: string;
  override: EndOverride;
  at: number;
}

/**
 * How long an ended grant is remembered: a session whose grant check passed just before the
 * grant ended, and that registers after the event arrived, is closed on registration.
 */
const ENDED_GRANT_MEMORY_MS = 5 * 60_000;

@Injectable()
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly byGrant = new Map<string, Set<LiveSession>>();
  private readonly endedGrants = new Map<string, EndedGrant>();
  private readonly records = new Set<Promise<void>>();

  get size(): number {
    return this.sessions.size;
  }

  /** Registers a session; if its grant already ended, closes it and returns false. */
  add(session: LiveSession): boolean {
    // A session may end while it starts (the client left, the agent closed at once).
    if (session.isEnded) return true;
    const ended = this.endedGrants.get(session.info.grantId);
    this.sessions.set(session.info.id, session);
    let group = this.byGrant.get(session.info.grantId);
    if (!group) this.byGrant.set(session.info.grantId, (group = new Set()));
    group.add(session);
    if (ended) session.close(ended.reason, ended.message, ended.override);
    return !ended;
  }

  remove(session: LiveSession): void {
    this.sessions.delete(session.info.id);
    const group = this.byGrant.get(session.info.grantId);
    group?.delete(session);
    if (group?.size === 0) this.byGrant.delete(session.info.grantId);
  }

  /** Whether this process carries the session now. */
  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  hasGrantEnded(grantId: string): boolean {
    return this.endedGrants.has(grantId);
  }

  /** The grant ended: close its sessions here now, and any that register later. */
  endGrant(grantId: string, reason: CloseReason, message: string, override: EndOverride): number {
    const now = Date.now();
    for (const [id, ended] of this.endedGrants) if (now - ended.at > ENDED_GRANT_MEMORY_MS) this.endedGrants.delete(id);
    this.endedGrants.set(grantId, { reason, message, override, at: now });
    const sessions = [...(this.byGrant.get(grantId) ?? [])];
    for (const session of sessions) session.close(reason, message, override);
    return sessions.length;
  }

  closeAll(reason: CloseReason, message: string, override: EndOverride): void {
    for (const session of [...this.sessions.values()]) session.close(reason, message, override);
  }

  /** Keeps a session's closing write in view, so that shutdown can wait for it. */
  track(record: Promise<void>): void {
    this.records.add(record);
    const done = () => {
      this.records.delete(record);
    };
    record.then(done, done);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.records]);
  }
}
