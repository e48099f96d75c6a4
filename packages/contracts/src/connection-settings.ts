// A connection's settings, by type: what the gateway accepts and stores, and what the agent reads
// from ConnectionAssignment.settings_json. One set of fields and rules, in two strictnesses:
//
// - CONNECTION_SETTINGS (the gateway, on create and update): unknown fields are refused, so that
//   there is no field where a password or key could be put and slip into the gateway's database.
// - CONNECTION_SETTINGS_READERS (the agent): the same fields and rules, unknown fields ignored, so
//   that a field a newer gateway adds (or fills with a default) does not stop an older agent.
//
// Credentials are never settings: `credentialRef` names where the agent finds them.
import { z } from 'zod';
import type { ConnectionType } from './connection-types.js';
import { credentialRef } from './credential-ref.js';
import { BIGQUERY_SCOPES, gcpDelegates, gcpProjectId, gcpServiceAccount, GOOGLE_API_SCOPE_PREFIX, STORAGE_SCOPES } from './google-cloud.js';
import { READ_ONLY_SCOPE } from './read-only-scope.js';

/** A host name or an IP address; an IPv6 address in brackets (`[fd00::1]`). */
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'a host name or an IP address');

/** The host without the brackets of an IPv6 literal, as `net.connect` wants it. */
export function unbracketedHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}

const port = z.number().int().min(1).max(65_535);

/** The URL, or null when it is none (then `.url()` has said so; a refinement still runs, and must not throw). */
const urlOf = (text: string): URL | null => (URL.canParse(text) ? new URL(text) : null);

/** The root every request is sent under. */
const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !urlOf(u)?.username && !urlOf(u)?.password, 'must not carry a user name or password')
  // The agent appends each request's path and query to it; a query or fragment of its own cannot be merged.
  .refine((u) => !urlOf(u)?.search && !urlOf(u)?.hash, 'must not have a query string or fragment');

/**
 * A data connection's token carries only its API's scopes: a grant's scope and its duration are
 * two dials, and both must be tight (docs/http.md). `cloud-platform` would let a BigQuery token
 * call every Google API the account can reach, so it is refused.
 */
const gcpScopes = (type: ConnectionType, allowed: readonly string[]) =>
  z
    .array(z.string().max(256))
    .min(1)
    .max(16)
    .refine((scopes) => scopes.every((scope) => allowed.includes(scope.replace(GOOGLE_API_SCOPE_PREFIX, ''))), {
      error: `${type} tokens take only ${allowed.map((a) => `${GOOGLE_API_SCOPE_PREFIX}${a}`).join(', ')}`,
    });

const databaseName = z.string().min(1).max(63);
const databaseUser = z.string().min(1).max(63);

type ObjectOf = typeof z.strictObject | typeof z.object;

function settingsSchemas(object: ObjectOf) {
  /**
   * A postgres login for the sessions of one grant scope: a database user and a reference to its
   * credential (never the credential). `read-only` is the one scope with a meaning today: its
   * sessions log in as that role (docs/postgres.md, "Scope on the server").
   */
  const scopeLogin = object({ user: databaseUser.optional(), credentialRef });
  return {
    postgres: object({
      host: hostname,
      port: port.default(5432),
      database: databaseName,
      user: databaseUser.optional(),
      sslmode: z.enum(['disable', 'require', 'verify-full']).default('require'),
      scopes: object({ [READ_ONLY_SCOPE]: scopeLogin.optional() }).optional(),
    }),
    tcp: object({ host: hostname, port }),
    http: object({ baseUrl: httpUrl }),
    bigquery: object({
      projectId: gcpProjectId,
      location: z.string().max(64).optional(),
      targetServiceAccount: gcpServiceAccount.optional(),
      delegates: gcpDelegates.optional(),
      scopes: gcpScopes('bigquery', BIGQUERY_SCOPES).optional(),
    }),
    gcs: object({
      projectId: gcpProjectId.optional(),
      buckets: z.array(z.string().min(3).max(222)).max(64).optional(),
      targetServiceAccount: gcpServiceAccount.optional(),
      delegates: gcpDelegates.optional(),
      scopes: gcpScopes('gcs', STORAGE_SCOPES).optional(),
    }),
    cloudrun: object({ url: httpUrl, audience: z.string().min(1).max(2048).optional(), targetServiceAccount: gcpServiceAccount.optional(), delegates: gcpDelegates.optional() }),
    // An MCP server gets an ID token (bound to its audience), never an access token: a URL
    // registered here must not be able to receive the agent's Google API tokens (docs/http.md).
    mcp: object({ url: httpUrl, audience: z.string().min(1).max(2048).optional(), targetServiceAccount: gcpServiceAccount.optional(), delegates: gcpDelegates.optional() }),
  } as const satisfies Record<ConnectionType, z.ZodType>;
}

/** What the gateway accepts and stores: unknown fields refused. */
export const CONNECTION_SETTINGS = settingsSchemas(z.strictObject);
/** How the agent reads stored settings: the same rules, unknown fields ignored. */
export const CONNECTION_SETTINGS_READERS = settingsSchemas(z.object);

export type ConnectionSettings = { [T in ConnectionType]: z.output<(typeof CONNECTION_SETTINGS)[T]> };
export type PostgresSettings = ConnectionSettings['postgres'];
