import type { IdentityKind } from '@jitgate/db';
import type { AuditActor } from './actor.js';

/** The authenticated caller of one request. */
export interface Principal {
  identityId: string;
  issuer: string;
  subject: string;
  kind: IdentityKind;
  displayName: string;
  groups: string[];
  attributes: Record<string, unknown>;
  isAdmin: boolean;
  isAuditor: boolean;
  /** How the caller proved who they are. */
  via: 'token' | 'oidc';
  tokenId: string | null;
}

export function actorOf(principal: Principal): AuditActor {
  return { id: principal.identityId, kind: principal.kind };
}
