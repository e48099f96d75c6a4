// Whether what a live session was opened with still stands, from what the database says about
// it now (SessionReconciler). Pure; fails closed: a row that is gone, or a grant status it does
// not know, ends the session.
import type { GrantEndedEvent } from '../../port/access-events.js';
import type { LiveSessionInfo } from './live-session.js';

/** The database's view of one live session's grant, identity and token; null where no row was found. */
export interface SessionStanding {
  grant: { status: string; expiresAt: Date } | null;
  identity: { disabled: boolean } | null;
  /** Always null for a session opened with an OIDC JWT (no token id). */
  token: { revoked: boolean; expiresAt: Date } | null;
}

/** What no longer stands, and so ends the session (and every other session it opened). */
export type Lapse = { scope: 'identity'; id: string } | { scope: 'token'; id: string; why: 'revoked' | 'expired' } | { scope: 'grant'; id: string; status: GrantEndedEvent['status'] };

const ENDED_GRANT_STATUSES: ReadonlySet<string> = new Set<GrantEndedEvent['status']>(['expired', 'revoked', 'released']);

export function lapseOf(info: Pick<LiveSessionInfo, 'grantId' | 'identityId' | 'tokenId'>, standing: SessionStanding | undefined, now: Date): Lapse | undefined {
  const identity = standing?.identity ?? null;
  if (!identity || identity.disabled) return { scope: 'identity', id: info.identityId };
  if (info.tokenId) {
    const token = standing?.token ?? null;
    if (!token || token.revoked) return { scope: 'token', id: info.tokenId, why: 'revoked' };
    if (token.expiresAt.getTime() <= now.getTime()) return { scope: 'token', id: info.tokenId, why: 'expired' };
  }
  const grant = standing?.grant ?? null;
  if (!grant) return { scope: 'grant', id: info.grantId, status: 'revoked' };
  if (grant.status === 'active') return grant.expiresAt.getTime() <= now.getTime() ? { scope: 'grant', id: info.grantId, status: 'expired' } : undefined;
  return { scope: 'grant', id: info.grantId, status: ENDED_GRANT_STATUSES.has(grant.status) ? (grant.status as GrantEndedEvent['status']) : 'revoked' };
}
