// What one replica tells the others, through Redis pub/sub, after a commit that ends someone's
// access: a grant ended, a token was revoked, an identity was disabled. Every replica then ends
// the live sessions that access opened (data-plane/live/session-enforcer.ts); an agent was revoked,
// every replica closes its tunnels. One shape for the publisher
// and the subscriber; the subscriber validates what it reads with these schemas.
import { z } from 'zod';

/** grant.ended keeps the channel it always had, so that replicas of either version hear each other. */
export const GRANT_EVENTS_CHANNEL = 'grant-events';
export const IDENTITY_EVENTS_CHANNEL = 'identity-events';
export const AGENT_EVENTS_CHANNEL = 'agent-events';

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

/** An agent was revoked: every replica closes its tunnels (and their sessions). */
export const agentRevokedEvent = z.object({
  type: z.literal('agent.revoked'),
  agentId: z.string().uuid(),
  /** The identity that revoked it, recorded as who ended its sessions. */
  revokedBy: z.string().max(128),
});

export const identityEvent = z.discriminatedUnion('type', [tokenRevokedEvent, identityDisabledEvent]);

export type GrantEndedEvent = z.infer<typeof grantEndedEvent>;
export type TokenRevokedEvent = z.infer<typeof tokenRevokedEvent>;
export type IdentityDisabledEvent = z.infer<typeof identityDisabledEvent>;
export type AgentRevokedEvent = z.infer<typeof agentRevokedEvent>;
export type AccessEndedEvent = GrantEndedEvent | TokenRevokedEvent | IdentityDisabledEvent;
/** Everything the access-ends stream carries. */
export type AccessEnd = AccessEndedEvent | AgentRevokedEvent;

/**
 * What an API call that ended an access says about the live sessions it opened: whether every
 * replica was told at once (then they end within a second), and the latest time they end — one
 * reconcile period after the commit when the message could not be sent.
 */
export interface LiveSessionsNotice {
  notified: boolean;
  endBy: Date;
}
