// The established sessions of this replica, by id and by what opened them — the grant, the token,
// the identity — so that the end of any of these closes its sessions within milliseconds
// (SessionEnforcer), the reconciler can check them all against the database in one query, and
// shutdown closes them all and waits for their rows.
import { Injectable } from '@nestjs/common';
import type { CloseReason } from '@jitgate/proto';
import type { EndOverride } from '../tunnel/end-reasons.js';
import type { LiveSession, LiveSessionInfo } from './live-session.js';

/** What a session was opened with; each can end and take its sessions with it. */
export type SessionScope = 'grant' | 'token' | 'identity';

export interface SessionEnding {
  reason: CloseReason;
  message: string;
  override: EndOverride;
}

interface HeardEnd extends SessionEnding {
  /** performance.now() when this replica heard of the end. */
  at: number;
}

/**
 * How long an end is remembered: a session whose checks passed just before the end, and that
 * registers after this replica heard of it, is closed on registration. Admission takes seconds
 * at most (SESSION_OPEN_TIMEOUT_MS); past that the reconciler would find it anyway.
 */
const HEARD_END_MEMORY_MS = 5 * 60_000;

function scopesOf(info: LiveSessionInfo): Array<[SessionScope, string]> {
  const scopes: Array<[SessionScope, string]> = [
    ['grant', info.grantId],
    ['identity', info.identityId],
  ];
  // An OIDC JWT has no token id: the identity's end covers its sessions.
  if (info.tokenId) scopes.push(['token', info.tokenId]);
  return scopes;
}

@Injectable()
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly index: Record<SessionScope, Map<string, Set<LiveSession>>> = { grant: new Map(), token: new Map(), identity: new Map() };
  private readonly heard = new Map<string, HeardEnd>();
  private readonly records = new Set<Promise<void>>();

  get size(): number {
    return this.sessions.size;
  }

  /** What the sessions of this replica were opened with (the reconciler's input). */
  list(): LiveSessionInfo[] {
    return [...this.sessions.values()].map((session) => session.info);
  }

  /** Registers a session; if its grant, token or identity ended meanwhile, closes it and returns false. */
  add(session: LiveSession): boolean {
    // A session may end while it starts (the client left, the agent closed at once).
    if (session.isEnded) return true;
    this.sessions.set(session.info.id, session);
    for (const [scope, id] of scopesOf(session.info)) {
      let group = this.index[scope].get(id);
      if (!group) this.index[scope].set(id, (group = new Set()));
      group.add(session);
    }
    const missed = this.missedEnd(session.info);
    if (missed) session.close(missed.reason, missed.message, missed.override);
    return !missed;
  }

  remove(session: LiveSession): void {
    this.sessions.delete(session.info.id);
    for (const [scope, id] of scopesOf(session.info)) {
      const group = this.index[scope].get(id);
      group?.delete(session);
      if (group?.size === 0) this.index[scope].delete(id);
    }
  }

  /** Whether this process carries the session now. */
  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Whether this replica heard that the grant, token or identity ended (in the last few minutes). */
  hasEnded(scope: SessionScope, id: string): boolean {
    return this.heard.has(`${scope}:${id}`);
  }

  /** It ended: close its sessions here now, and any that register later but were admitted before. */
  end(scope: SessionScope, id: string, ending: SessionEnding): number {
    const now = performance.now();
    for (const [key, heard] of this.heard) if (now - heard.at > HEARD_END_MEMORY_MS) this.heard.delete(key);
    this.heard.set(`${scope}:${id}`, { ...ending, at: now });
    const sessions = [...(this.index[scope].get(id) ?? [])];
    for (const session of sessions) session.close(ending.reason, ending.message, ending.override);
    return sessions.length;
  }

  closeAll(reason: CloseReason, message: string, override: EndOverride): void {
    for (const session of [...this.sessions.values()]) session.close(reason, message, override);
  }

  /** Aborted when shutdown stops waiting for the closing writes that retry while the database is away. */
  readonly storing = new AbortController();

  /** Keeps a session's closing write in view, so that shutdown can wait for it. */
  track(record: Promise<void>): void {
    this.records.add(record);
    const done = () => {
      this.records.delete(record);
    };
    record.then(done, done);
  }

  /** True when every closing write has settled; false when `graceMs` passed first. */
  async settled(graceMs?: number): Promise<boolean> {
    const all = Promise.allSettled([...this.records]).then(() => true);
    if (graceMs === undefined) return all;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    try {
      return await Promise.race([all, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * An end heard after the session's admission began: its checks may have read the database
   * before the commit. One heard earlier cannot concern it — its checks read the database after
   * the commit (the message is published after it) and would have refused it — which is what
   * lets an identity that was disabled and enabled again open sessions at once.
   */
  private missedEnd(info: LiveSessionInfo): HeardEnd | undefined {
    for (const [scope, id] of scopesOf(info)) {
      const heard = this.heard.get(`${scope}:${id}`);
      if (heard && heard.at >= info.admissionStartedAt) return heard;
    }
    return undefined;
  }
}
