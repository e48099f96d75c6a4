// A postgres connection's settings (read with @jitgate/contracts' CONNECTION_SETTINGS_READERS),
// and which login a session gets. `scopes` names a credential per grant scope; today the one
// scope with a meaning is `read-only` (docs/postgres.md, "Scope on the server"): its sessions log
// in as that role, a role the database itself keeps from writing. Every read-only session is
// also opened with default_transaction_read_only on (packages/pgwire/src/session-pins.ts).
import { CONNECTION_SETTINGS_READERS, READ_ONLY_SCOPE, unbracketedHost, type PostgresSettings } from '@jitgate/contracts';
import { CredentialError, parseCredentialRef } from '../credentials/credential-provider.js';
import { TargetDialError } from './target-dialer.js';

/** The settings, with the host as net.connect and tls.connect want it (no IPv6 brackets). */
export const postgresSettingsSchema = CONNECTION_SETTINGS_READERS.postgres.transform((settings) => ({ ...settings, host: unbracketedHost(settings.host) }));

/** Whom the agent logs in as for one session. */
export interface PostgresLoginPlan {
  user: string;
  credentialRef: string;
  /** The session is read-only: the server session is opened read-only as well. */
  readOnly: boolean;
  /** The login is the connection's read-only role (not the connection's own user). */
  scopedRole: boolean;
}

/**
 * The read-only role for read-only sessions when the connection names one; otherwise the
 * connection's own user and credential (the server session is still opened read-only).
 */
export function loginFor(settings: PostgresSettings, credentialRef: string, readOnly: boolean): PostgresLoginPlan {
  const scoped = readOnly ? settings.scopes?.[READ_ONLY_SCOPE] : undefined;
  if (scoped) return { user: databaseUser(scoped.user, scoped.credentialRef), credentialRef: scoped.credentialRef, readOnly, scopedRole: true };
  return { user: databaseUser(settings.user, credentialRef), credentialRef, readOnly, scopedRole: false };
}

/** The user named, or for `gcp-sa:` the account's Cloud SQL IAM user. */
function databaseUser(user: string | undefined, ref: string): string {
  if (user) return user;
  let parsed;
  try {
    parsed = parseCredentialRef(ref);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    parsed = undefined;
  }
  if (parsed?.kind === 'gcp-sa') {
    const iamUser = cloudSqlIamUser(parsed.account);
    if (iamUser.length <= 63) return iamUser;
    throw new TargetDialError('the Cloud SQL IAM user name of this service account is longer than 63 characters: set the user in the settings');
  }
  throw new TargetDialError('the connection names no database user (settings.user)');
}

/** Cloud SQL's IAM database user for a service account: the e-mail without `.gserviceaccount.com`. */
export function cloudSqlIamUser(account: string): string {
  return account.replace(/\.gserviceaccount\.com$/, '');
}
