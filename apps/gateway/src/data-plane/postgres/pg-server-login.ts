// Who the agent is on the PostgreSQL server, as it reported in SessionOpened.postgres_login
// (docs/postgres.md, "Who the agent is on the server"). A read-only session is opened only when
// the agent says the server session is read-only: an agent that does not say (one older than
// this report) or a server session that is not read-only is refused, rather than trusting the
// guard alone. Privileged roles are not refused, since the connection's owner chose them, but
// they are recorded and warned about: the database does not limit such a session.
import type { ServerRole } from '@jitgate/pgwire';
import type { PostgresLogin } from '@jitgate/proto';
import { AdmissionRefusal } from '../admission/admission-refusal.js';

/** The `serverRole` of a session.started event. */
export type ServerRoleDetails = ServerRole;

/** Throws the refusal of a read-only session whose server session is not (known to be) read-only. */
export function checkServerLogin(readOnly: boolean, login: PostgresLogin | undefined): void {
  if (!readOnly) return;
  if (!login) throw new AdmissionRefusal(502, 'target_unreachable', 'the agent did not say whether the server session is read-only (update the agent): a read-only session is not opened without it');
  if (!login.readOnly) throw new AdmissionRefusal(502, 'target_unreachable', 'the agent could not open the server session read-only');
}

/** The report as the session's event records it; null when the agent sent none. */
export function serverRoleDetails(login: PostgresLogin | undefined): ServerRoleDetails | null {
  if (!login) return null;
  const { role, superuser, createRole, bypassRls, replication, readOnly, memberOfPrivileged } = login;
  return { role, superuser, createRole, bypassRls, replication, readOnly, memberOfPrivileged };
}
