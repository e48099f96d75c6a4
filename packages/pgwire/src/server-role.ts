// Who a login is on the server, as the agent reads it right after logging in (the attributes of
// current_user in pg_roles) and the gateway records it (docs/postgres.md, "Who the agent is on
// the server"). Both ends name a privileged role the same way with `privilegesOf`.

/** The attributes that let a session reach past table privileges, and whether it is read-only. */
export interface ServerRole {
  role: string;
  superuser: boolean;
  createRole: boolean;
  bypassRls: boolean;
  replication: boolean;
  readOnly: boolean;
  /** A member of another role with one of the attributes above (SET ROLE gets there). */
  memberOfPrivileged: boolean;
}

/**
 * What makes the role privileged, in words for a log line; empty for a role the database limits.
 * A superuser reads files and runs programs on the host; CREATEROLE makes logins that never pass
 * the gateway; BYPASSRLS reads rows that row-level security hides; REPLICATION reads every change
 * through logical decoding.
 */
export function privilegesOf(role: Omit<ServerRole, 'role' | 'readOnly'>): string[] {
  const out: string[] = [];
  if (role.superuser) out.push('superuser');
  if (role.createRole) out.push('CREATEROLE');
  if (role.bypassRls) out.push('BYPASSRLS');
  if (role.replication) out.push('REPLICATION');
  if (role.memberOfPrivileged) out.push('member of a privileged role');
  return out;
}
