// How a session ended, as stored in sessions.end_reason, audit details and metric labels. The
// wire's CloseReason covers what the two ends tell each other; the gateway also knows why it
// cut a session without telling anyone (the tunnel was gone, the agent was revoked), or for a
// reason the agent needs no word for (the token that opened it was revoked: NOT_PERMITTED on
// the wire, token_revoked here).
import { CloseReason } from '@jitgate/proto';

export const END_REASONS = [
  'client_closed',
  'target_closed',
  'grant_expired',
  'grant_revoked',
  'grant_released',
  'target_unreachable',
  'protocol_error',
  'shutdown',
  'not_permitted',
  'tunnel_lost',
  'agent_revoked',
  'token_revoked',
  'token_expired',
  'identity_disabled',
  // The session's row could not be confirmed written, so the session was refused before any byte.
  'not_recorded',
  'unspecified',
] as const;

export type EndReason = (typeof END_REASONS)[number];

export function endReasonOf(reason: CloseReason): EndReason {
  switch (reason) {
    case CloseReason.CLIENT_CLOSED:
      return 'client_closed';
    case CloseReason.TARGET_CLOSED:
      return 'target_closed';
    case CloseReason.GRANT_EXPIRED:
      return 'grant_expired';
    case CloseReason.GRANT_REVOKED:
      return 'grant_revoked';
    case CloseReason.TARGET_UNREACHABLE:
      return 'target_unreachable';
    case CloseReason.PROTOCOL_ERROR:
      return 'protocol_error';
    case CloseReason.SHUTDOWN:
      return 'shutdown';
    case CloseReason.NOT_PERMITTED:
      return 'not_permitted';
    default:
      return 'unspecified';
  }
}

/** Overrides what the pipe reports, for ends the wire has no word for. */
export interface EndOverride {
  reason: EndReason;
  /** Who ended it, when it was a person (the admin who revoked the agent). */
  endedBy?: string;
}
