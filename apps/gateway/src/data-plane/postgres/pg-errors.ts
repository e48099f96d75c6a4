// How refusals from the session broker read to a Postgres client: a FATAL ErrorResponse with the
// SQLSTATE a Postgres user (and their driver's retry logic) expects for that kind of failure.
import type { AdmissionRefusal } from '../admission/admission-refusal.js';
import type { EndReason } from '../tunnel/end-reasons.js';
import type { Farewell } from './pg-session.js';

export function sqlstateOf(refusal: AdmissionRefusal): string {
  switch (refusal.code) {
    case 'unauthenticated':
      return '28P01'; // invalid_password
    case 'no_grant':
      return '28000'; // invalid_authorization_specification
    case 'not_found':
      return '3D000'; // invalid_catalog_name: the "database" names no postgres connection
    case 'no_agent':
    case 'unavailable':
      return '57P03'; // cannot_connect_now
    case 'target_unreachable':
      return '08001'; // sqlclient_unable_to_establish_sqlconnection
    case 'bad_handshake':
      return '08P01'; // protocol_violation
    default:
      return 'XX000';
  }
}

/** What the client reads when the gateway ends its session; undefined when it ended itself. */
export function farewellFor(reason: EndReason, message: string): Farewell | undefined {
  switch (reason) {
    case 'grant_expired':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the grant for this session has expired' };
    case 'grant_revoked':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the grant for this session was revoked' };
    case 'grant_released':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the grant for this session was released' };
    case 'token_revoked':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the token that opened this session was revoked' };
    case 'token_expired':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the token that opened this session has expired' };
    case 'identity_disabled':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the identity of this session was disabled' };
    case 'shutdown':
      return { sqlstate: '57P01', message: 'terminating connection: jitgate: the gateway is shutting down' };
    case 'tunnel_lost':
    case 'agent_revoked':
      return { sqlstate: '08006', message: 'terminating connection: jitgate: the agent carrying this session is gone' };
    case 'not_permitted':
      return { sqlstate: '42501', message: `terminating connection: jitgate: ${message}` };
    case 'protocol_error':
      return { sqlstate: '08P01', message: `terminating connection: jitgate: ${message}` };
    default:
      return undefined;
  }
}
