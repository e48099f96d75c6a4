// Connections describe targets; credentials stay with the agent. The settings of each type are
// strict schemas: there is no field where a password or key could be put, and unknown fields
// are refused, so a secret cannot slip into the gateway's database by accident.
import { z } from 'zod';
import { CONNECTION_TYPES, READ_ONLY_SCOPE } from '@jitgate/policy';

export const connectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-", at most 63, starting with a letter or digit');

const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'a host name or an IP address');
const port = z.number().int().min(1).max(65_535);
const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry a user name or password')
  // The agent appends each request's path and query to it; a query or fragment of its own cannot be merged.
  .refine((u) => !new URL(u).search && !new URL(u).hash, 'must not have a query string or fragment');
const serviceAccount = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, 'a service account e-mail');
/**
 * A data connection's token carries only its API's scopes: a grant's scope and its duration are
 * two dials, and both must be tight (docs/http.md). `cloud-platform` would let a BigQuery token
 * call every Google API the account can reach, so it is refused here.
 */
const API_SCOPE = 'https://www.googleapis.com/auth/';
const gcpScopes = (type: string, allowed: readonly string[]) =>
  z
    .array(z.string().max(256))
    .min(1)
    .max(16)
    .refine((scopes) => scopes.every((scope) => allowed.includes(scope.replace(API_SCOPE, ''))), {
      error: `${type} tokens take only ${allowed.map((a) => `${API_SCOPE}${a}`).join(', ')}`,
    });
const BIGQUERY_SCOPES = ['bigquery', 'bigquery.readonly', 'bigquery.insertdata'];
const STORAGE_SCOPES = ['devstorage.read_only', 'devstorage.read_write', 'devstorage.full_control'];
// The impersonation chain of `targetServiceAccount` (IAM Credentials allows at most 9 hops before it).
const delegates = z.array(serviceAccount).max(9);
const projectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id');

/**
 * Where the agent finds the credential: `env:NAME`, `file:/mounted/secret/path`, `gcp-adc`
 * (Application Default Credentials) or `gcp-sa:<account>` (impersonated). A reference, not a value.
 */
export const credentialRef = z
  .string()
  .max(512)
  .regex(/^(env:[A-Z_][A-Z0-9_]{0,127}|file:\/[^\s\u0000]{1,500}|gcp-adc|gcp-sa:[^\s]{3,300})$/, 'env:NAME, file:/path, gcp-adc or gcp-sa:<service account>');

/**
 * A postgres login for the sessions of one grant scope: a database user and a reference to its
 * credential (never the credential). `read-only` is the one scope with a meaning today: its
 * sessions log in as that role (docs/postgres.md, "Scope on the server"). The agent reads the
 * same shape (apps/agent/src/targets/postgres-settings.ts).
 */
const postgresScopes = z
  .object({ [READ_ONLY_SCOPE]: z.object({ user: z.string().min(1).max(63).optional(), credentialRef }).strict().optional() })
  .strict();

export const SETTINGS_BY_TYPE = {
  postgres: z
    .object({
      host: hostname,
      port: port.default(5432),
      database: z.string().min(1).max(63),
      user: z.string().min(1).max(63).optional(),
      sslmode: z.enum(['disable', 'require', 'verify-full']).default('require'),
      scopes: postgresScopes.optional(),
    })
    .strict(),
  tcp: z.object({ host: hostname, port }).strict(),
  http: z.object({ baseUrl: httpUrl }).strict(),
  bigquery: z
    .object({ projectId, location: z.string().max(64).optional(), targetServiceAccount: serviceAccount.optional(), delegates: delegates.optional(), scopes: gcpScopes('bigquery', BIGQUERY_SCOPES).optional() })
    .strict(),
  gcs: z
    .object({
      projectId: projectId.optional(),
      buckets: z.array(z.string().min(3).max(222)).max(64).optional(),
      targetServiceAccount: serviceAccount.optional(),
      delegates: delegates.optional(),
      scopes: gcpScopes('gcs', STORAGE_SCOPES).optional(),
    })
    .strict(),
  cloudrun: z.object({ url: httpUrl, audience: z.string().min(1).max(2048).optional(), targetServiceAccount: serviceAccount.optional(), delegates: delegates.optional() }).strict(),
  // An MCP server gets an ID token (bound to its audience), never an access token: a URL
  // registered here must not be able to receive the agent's Google API tokens (docs/http.md).
  mcp: z.object({ url: httpUrl, audience: z.string().min(1).max(2048).optional(), targetServiceAccount: serviceAccount.optional(), delegates: delegates.optional() }).strict(),
} as const satisfies Record<(typeof CONNECTION_TYPES)[number], z.ZodType>;

export const labels = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}$/), z.string().max(63))
  .refine((v) => Object.keys(v).length <= 32, 'at most 32 labels');

export const agentGroup = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-"');

const common = {
  agentGroup,
  labels: labels.default({}),
  credentialRef: credentialRef.optional(),
  description: z.string().max(1000).default(''),
};

export const createConnectionBody = z.discriminatedUnion('type', [
  ...CONNECTION_TYPES.map((type) =>
    z.object({ name: connectionName, type: z.literal(type), settings: SETTINGS_BY_TYPE[type], ...common }).strict(),
  ),
] as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const updateConnectionBody = z
  .object({
    agentGroup: agentGroup.optional(),
    labels: labels.optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    credentialRef: credentialRef.nullable().optional(),
    description: z.string().max(1000).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const listConnectionsQuery = z
  .object({
    type: z.enum(CONNECTION_TYPES).optional(),
    name: connectionName.optional(),
    includeArchived: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  })
  .strict();

export interface CreateConnectionBody {
  name: string;
  type: (typeof CONNECTION_TYPES)[number];
  settings: Record<string, unknown>;
  agentGroup: string;
  labels: Record<string, string>;
  credentialRef?: string;
  description: string;
}
export type UpdateConnectionBody = z.output<typeof updateConnectionBody>;
export type ListConnectionsQuery = z.output<typeof listConnectionsQuery>;
