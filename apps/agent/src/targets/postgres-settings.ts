// A postgres connection's settings as the agent reads them (the gateway checks the same shape when
// the connection is saved: apps/gateway/src/connection/connection.schemas.ts), and which login a
// session gets. `scopes` names a credential per grant scope; today the one scope with a meaning
// is `read-only` (docs/postgres.md, "Scope on the server"): its sessions log in as that role, a
// role the database itself keeps from writing. Every read-only session is also opened with
// default_transaction_read_only on (packages/pgwire/src/session-pins.ts).
import { z } from 'zod';
import { READ_ONLY_GRANT_SCOPE } from '@jitgate/pgwire';
import { CredentialError, parseCredentialRef } from '../credentials/credential-provider.js';
import { hostSetting, portSetting, TargetDialError } from './target-dialer.js';

const databaseUserName = z.string().min(1).max(63);

/** Another login for sessions of one scope: a database user and where its credential is. */
const scopeLogin = z.object({ user: databaseUserName.optional(), credentialRef: z.string().min(1).max(512) }).strict();

export const postgresSettingsSchema = z.object({
  host: hostSetting,
  port: portSetting.default(5432),
  database: z.string().min(1).max(63),
  user: databaseUserName.optional(),
  sslmode: z.enum(['disable', 'require', 'verify-full']).default('require'),
  scopes: z.object({ [READ_ONLY_GRANT_SCOPE]: scopeLogin.optional() }).strict().optional(),
});
export type PostgresSettings = z.output<typeof postgresSettingsSchema>;

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
  const scoped = readOnly ? settings.scopes?.[READ_ONLY_GRANT_SCOPE] : undefined;
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
