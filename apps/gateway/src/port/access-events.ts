// What one replica tells the others, through Redis pub/sub, after a commit that ends someone's
// access: a grant ended, a token was revoked, an identity was disabled. Every replica then ends
// the live sessions that access opened (tunnel/session-enforcer.ts). One shape for the publisher
// and the subscriber; the subscriber validates what it reads with these schemas.
import { z } from 'zod';

/** grant.ended keeps the channel it always had, so that replicas of either version hear each other. */
export const GRANT_EVENTS_CHANNEL = 'grant-events';
export const IDENTITY_EVENTS_CHANNEL = 'identity-events';

export const grantEndedEvent = z.object({
  type: z.literal('grant.ended'),
  grantId: z.string().uuid(),
  identityId: z.string().uuid(),
  connectionId: z.string().uuid(),
  status: z.enum(['expired', 'revoked', 'released']),
});

export const tokenRevokedEvent = z.object({
  type: z.literal('token.revoked'),
  tokenId: z.string().uuid(),
  identityId: z.string().uuid(),
  /** Who revoked it (an admin, or the identity itself), recorded as who ended its sessions. */
  by: z.string().uuid().nullable(),
});

export const identityDisabledEvent = z.object({
  type: z.literal('identity.disabled'),
  identityId: z.string().uuid(),
  /** The admin who disabled it. */
  by: z.string().uuid().nullable(),
});

export const identityEvent = z.discriminatedUnion('type', [tokenRevokedEvent, identityDisabledEvent]);

export type GrantEndedEvent = z.infer<typeof grantEndedEvent>;
export type TokenRevokedEvent = z.infer<typeof tokenRevokedEvent>;
export type IdentityDisabledEvent = z.infer<typeof identityDisabledEvent>;
export type AccessEndedEvent = GrantEndedEvent | TokenRevokedEvent | IdentityDisabledEvent;

/**
 * What an API call that ended an access says about the live sessions it opened: whether every
 * replica was told at once (then they end within a second), and the latest time they end — one
 * reconcile period after the commit when the message could not be sent.
 */
export interface LiveSessionsNotice {
  notified: boolean;
  endBy: Date;
}
