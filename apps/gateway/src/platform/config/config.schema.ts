// Settings are read from the environment once, here, validated with zod, and handed to the
// rest of the gateway as a typed object. Secrets are never defaulted.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_PORTS } from '@jitgate/contracts';
import { oidcIssuersSchema } from './oidc-issuers.schema.js';
import { runModesSchema, type RunMode } from './run-modes.js';
import { parseSettingDuration } from './duration.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        return parseSettingDuration(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const jsonArray = z.string().transform((value, ctx) => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
    return z.NEVER;
  }
});

const postgresUrl = z
  .string()
  .url()
  .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgresql:// URL');
const redisUrl = z
  .string()
  .url()
  .refine((url) => /^rediss?:\/\//.test(url), 'must be a redis:// or rediss:// URL');

const tcpPort = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const pemFile = z.string().min(1).optional();
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    JITGATE_MODE: runModesSchema,
    HOST: z.string().default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.api),
    // HTTPS on PORT (the REST API, /healthz, /readyz, /metrics) when both are set.
    JITGATE_API_TLS_CERT: pemFile,
    JITGATE_API_TLS_KEY: pemFile,
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /**
     * The longest a call waits on PostgreSQL: one connect, one wait for a pooled connection, one
     * query's answer. Past it the caller is told `unavailable` (docs/operations.md).
     */
    JITGATE_DATABASE_TIMEOUT: duration('10s').refine((s) => s >= 1 && s <= 300, 'between 1s and 5m'),
    REDIS_URL: redisUrl,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * The longest a call waits on Redis (a command, a job queued, a message published) before it
     * goes on without it: what needs Redis then answers 503, what does not carries on (docs/operations.md).
     */
    JITGATE_REDIS_TIMEOUT: duration('2s').refine((s) => s >= 1 && s <= 60, 'between 1s and 1m'),
    JITGATE_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only')
      .default('jitgate'),
    JITGATE_BOOTSTRAP_TOKEN: z
      .string()
      .regex(/^jg_[A-Za-z0-9_-]{32,128}$/, 'must look like jg_ followed by 32 to 128 URL-safe characters')
      .optional(),
    JITGATE_ADMIN_GROUP: z.string().min(1).default('jitgate-admins'),
    JITGATE_AUDITOR_GROUP: z.string().min(1).default('jitgate-auditors'),
    JITGATE_OIDC_ISSUERS: jsonArray.pipe(oidcIssuersSchema).default([]),
    JITGATE_POLICY_FILE: z.string().min(1).optional(),
    JITGATE_REQUEST_TTL: duration('1h'),
    JITGATE_MAX_GRANT_DURATION: duration('24h'),
    JITGATE_MAX_START_DELAY: duration('30d'),
    JITGATE_OIDC_JWKS_COOLDOWN: duration('30s'),
    JITGATE_OIDC_JWKS_MAX_AGE: duration('10m'),
    JITGATE_TOKEN_DEFAULT_TTL: duration('90d'),
    JITGATE_TOKEN_MAX_TTL: duration('366d'),
    JITGATE_SWEEP_INTERVAL: duration('15s'),
    /**
     * Load shedding (docs/operations.md): new work is refused as unavailable once the V8 heap or
     * the process's resident memory passes this share of its limit (the heap limit; the
     * container's memory limit, else the machine's), and REST calls past this many in flight.
     */
    JITGATE_SHED_MEMORY_PERCENT: z.coerce.number().int().min(1).max(100).default(85),
    JITGATE_MAX_IN_FLIGHT_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(1000),
    JITGATE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(102_400),
    JITGATE_SHUTDOWN_TIMEOUT: duration('10s'),
    // The data path (docs/tunnel.md): agents dial the tunnel port, clients the TCP port.
    JITGATE_GATEWAY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "_" and "-", at most 128')
      .optional(),
    JITGATE_TUNNEL_PORT: tcpPort(DEFAULT_PORTS.tunnel),
    JITGATE_TUNNEL_TLS_CERT: pemFile,
    JITGATE_TUNNEL_TLS_KEY: pemFile,
    JITGATE_TUNNEL_INSECURE: flag,
    JITGATE_TUNNEL_HEARTBEAT: duration('5s').refine((s) => s >= 1 && s <= 300, 'between 1s and 5m'),
    /**
     * How often each replica checks its live sessions against the database (grant, token,
     * identity): the longest an end whose message was lost keeps a session open.
     */
    JITGATE_SESSION_RECONCILE_INTERVAL: duration('5s').refine((s) => s >= 1 && s <= 300, 'between 1s and 5m'),
    JITGATE_TCP_PORT: tcpPort(DEFAULT_PORTS.client),
    JITGATE_TCP_TLS_CERT: pemFile,
    JITGATE_TCP_TLS_KEY: pemFile,
    // Postgres clients (docs/postgres.md): psql and friends log in here with a token as password.
    JITGATE_PG_PORT: tcpPort(DEFAULT_PORTS.postgres),
    JITGATE_PG_TLS_CERT: pemFile,
    JITGATE_PG_TLS_KEY: pemFile,
    /** Largest message a client may send (Bind with big parameters, COPY data). */
    JITGATE_PG_MAX_CLIENT_MESSAGE_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(67_108_864),
    /** Largest message the server may send; a row is held whole to be masked. */
    JITGATE_PG_MAX_SERVER_MESSAGE_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(268_435_456),
    /** How long a held statement waits for a human when its guardrail rule names no time. */
    JITGATE_PG_APPROVAL_TIMEOUT: duration('5m').refine((s) => s >= 1 && s <= 3600, 'between 1s and 1h'),
    // HTTP, BigQuery, Cloud Storage, Cloud Run and MCP callers (docs/http.md).
    JITGATE_HTTP_PORT: tcpPort(DEFAULT_PORTS.http),
    JITGATE_HTTP_TLS_CERT: pemFile,
    JITGATE_HTTP_TLS_KEY: pemFile,
    /** Largest request body the gateway reads to decide on it (BigQuery jobs, MCP messages). */
    JITGATE_HTTP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(268_435_456).default(10_485_760),
    /** Largest response body read whole to be masked. */
    JITGATE_HTTP_MAX_MASKED_BODY_BYTES: z.coerce.number().int().min(1024).max(1_073_741_824).default(33_554_432),
    /** How long an idle caller connection (its session) stays open between requests. */
    JITGATE_HTTP_IDLE_TIMEOUT: duration('30s').refine((s) => s >= 1 && s <= 3600, 'between 1s and 1h'),
    /** How long a held request or tool call waits for a human when its guardrail names no time. */
    JITGATE_HTTP_APPROVAL_TIMEOUT: duration('5m').refine((s) => s >= 1 && s <= 3600, 'between 1s and 1h'),
  })
  .superRefine((env, ctx) => {
    // Plaintext agent tunnels only when asked for by name: a missing certificate must not
    // silently downgrade the link that carries every session.
    const tunnelTls = Boolean(env.JITGATE_TUNNEL_TLS_CERT) || Boolean(env.JITGATE_TUNNEL_TLS_KEY);
    if (env.JITGATE_TUNNEL_INSECURE && tunnelTls) {
      ctx.addIssue({ code: 'custom', path: ['JITGATE_TUNNEL_INSECURE'], message: 'set either the TLS files or JITGATE_TUNNEL_INSECURE=true, not both' });
    }
    // Only the data plane opens the tunnel: an api or worker process needs no certificate.
    if (!env.JITGATE_TUNNEL_INSECURE && env.JITGATE_MODE.includes('data')) {
      if (!env.JITGATE_TUNNEL_TLS_CERT) ctx.addIssue({ code: 'custom', path: ['JITGATE_TUNNEL_TLS_CERT'], message: 'required unless JITGATE_TUNNEL_INSECURE=true' });
      if (!env.JITGATE_TUNNEL_TLS_KEY) ctx.addIssue({ code: 'custom', path: ['JITGATE_TUNNEL_TLS_KEY'], message: 'required unless JITGATE_TUNNEL_INSECURE=true' });
    }
    for (const prefix of ['JITGATE_API', 'JITGATE_TCP', 'JITGATE_PG', 'JITGATE_HTTP'] as const) {
      const cert = env[`${prefix}_TLS_CERT`];
      const key = env[`${prefix}_TLS_KEY`];
      if (Boolean(cert) !== Boolean(key)) {
        ctx.addIssue({ code: 'custom', path: [cert ? `${prefix}_TLS_KEY` : `${prefix}_TLS_CERT`], message: `${prefix}_TLS_CERT and ${prefix}_TLS_KEY go together` });
      }
    }
  });

export type RawEnv = z.input<typeof envSchema>;
type Env = z.output<typeof envSchema>;

/** The gateway's settings, nested by concern. */
export interface GatewayConfig {
  env: Env['NODE_ENV'];
  /** What this process runs (run-modes.ts). */
  modes: RunMode[];
  /** PORT: the REST API and health; plain HTTP unless both TLS files are set. */
  http: { host: string; port: number; tls: TlsFiles | null; bodyLimitBytes: number; shutdownTimeoutSeconds: number };
  /** timeoutMs: JITGATE_DATABASE_TIMEOUT, the longest one connect, pool wait or query may take. */
  database: { url: string; poolSize: number; timeoutMs: number };
  /** timeoutMs: JITGATE_REDIS_TIMEOUT, the longest a call waits on Redis. */
  redis: { url: string; prefix: string; timeoutMs: number };
  log: { level: Env['LOG_LEVEL'] };
  /** Load shedding: JITGATE_SHED_MEMORY_PERCENT, JITGATE_MAX_IN_FLIGHT_REQUESTS. */
  overload: { memoryPercent: number; maxInFlightRequests: number };
  auth: {
    bootstrapToken: string | undefined;
    adminGroup: string;
    auditorGroup: string;
    oidcIssuers: Env['JITGATE_OIDC_ISSUERS'];
    /** Least time between JWKS refetches for an unknown key id, and the most a key set is trusted. */
    oidcJwksCooldownSeconds: number;
    oidcJwksMaxAgeSeconds: number;
    tokenDefaultTtlSeconds: number;
    tokenMaxTtlSeconds: number;
  };
  access: {
    policyFile: string | undefined;
    requestTtlSeconds: number;
    maxGrantSeconds: number;
    maxStartDelaySeconds: number;
    sweepIntervalSeconds: number;
  };
  /** The gRPC server agents dial. `tls` is null only with JITGATE_TUNNEL_INSECURE=true. */
  tunnel: { gatewayId: string; port: number; tls: TlsFiles | null; heartbeatIntervalMs: number; sessionReconcileIntervalMs: number };
  /** The client listener (`jitgate connect`); plain TCP unless both files are set. */
  tcp: { port: number; tls: TlsFiles | null };
  /** The Postgres listener; answers SSLRequest with 'S' only when both files are set. */
  postgres: { port: number; tls: TlsFiles | null; maxClientMessageBytes: number; maxServerMessageBytes: number; approvalTimeoutSeconds: number };
  /** The HTTP proxy port (docs/http.md); plain HTTP unless both files are set. */
  httpProxy: { port: number; tls: TlsFiles | null; maxBodyBytes: number; maxMaskedBodyBytes: number; idleTimeoutMs: number; approvalTimeoutSeconds: number };
}

/** PEM files, read when the listener starts. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

const tlsFiles = (certFile: string | undefined, keyFile: string | undefined): TlsFiles | null => (certFile && keyFile ? { certFile, keyFile } : null);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(source: Record<string, string | undefined>): GatewayConfig {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    // Name the variable and the problem, never the value: it may be a secret.
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const env = result.data;
  return {
    env: env.NODE_ENV,
    modes: env.JITGATE_MODE,
    http: {
      host: env.HOST,
      port: env.PORT,
      tls: tlsFiles(env.JITGATE_API_TLS_CERT, env.JITGATE_API_TLS_KEY),
      bodyLimitBytes: env.JITGATE_BODY_LIMIT_BYTES,
      shutdownTimeoutSeconds: env.JITGATE_SHUTDOWN_TIMEOUT,
    },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, timeoutMs: env.JITGATE_DATABASE_TIMEOUT * 1000 },
    redis: { url: env.REDIS_URL, prefix: env.JITGATE_REDIS_PREFIX, timeoutMs: env.JITGATE_REDIS_TIMEOUT * 1000 },
    log: { level: env.LOG_LEVEL },
    overload: { memoryPercent: env.JITGATE_SHED_MEMORY_PERCENT, maxInFlightRequests: env.JITGATE_MAX_IN_FLIGHT_REQUESTS },
    auth: {
      bootstrapToken: env.JITGATE_BOOTSTRAP_TOKEN,
      adminGroup: env.JITGATE_ADMIN_GROUP,
      auditorGroup: env.JITGATE_AUDITOR_GROUP,
      oidcIssuers: env.JITGATE_OIDC_ISSUERS,
      oidcJwksCooldownSeconds: env.JITGATE_OIDC_JWKS_COOLDOWN,
      oidcJwksMaxAgeSeconds: env.JITGATE_OIDC_JWKS_MAX_AGE,
      tokenDefaultTtlSeconds: env.JITGATE_TOKEN_DEFAULT_TTL,
      tokenMaxTtlSeconds: env.JITGATE_TOKEN_MAX_TTL,
    },
    access: {
      policyFile: env.JITGATE_POLICY_FILE,
      requestTtlSeconds: env.JITGATE_REQUEST_TTL,
      maxGrantSeconds: env.JITGATE_MAX_GRANT_DURATION,
      maxStartDelaySeconds: env.JITGATE_MAX_START_DELAY,
      sweepIntervalSeconds: env.JITGATE_SWEEP_INTERVAL,
    },
    tunnel: {
      gatewayId: env.JITGATE_GATEWAY_ID ?? `${hostname()}-${randomBytes(3).toString('hex')}`,
      port: env.JITGATE_TUNNEL_PORT,
      tls: tlsFiles(env.JITGATE_TUNNEL_TLS_CERT, env.JITGATE_TUNNEL_TLS_KEY),
      heartbeatIntervalMs: env.JITGATE_TUNNEL_HEARTBEAT * 1000,
      sessionReconcileIntervalMs: env.JITGATE_SESSION_RECONCILE_INTERVAL * 1000,
    },
    tcp: { port: env.JITGATE_TCP_PORT, tls: tlsFiles(env.JITGATE_TCP_TLS_CERT, env.JITGATE_TCP_TLS_KEY) },
    postgres: {
      port: env.JITGATE_PG_PORT,
      tls: tlsFiles(env.JITGATE_PG_TLS_CERT, env.JITGATE_PG_TLS_KEY),
      maxClientMessageBytes: env.JITGATE_PG_MAX_CLIENT_MESSAGE_BYTES,
      maxServerMessageBytes: env.JITGATE_PG_MAX_SERVER_MESSAGE_BYTES,
      approvalTimeoutSeconds: env.JITGATE_PG_APPROVAL_TIMEOUT,
    },
    httpProxy: {
      port: env.JITGATE_HTTP_PORT,
      tls: tlsFiles(env.JITGATE_HTTP_TLS_CERT, env.JITGATE_HTTP_TLS_KEY),
      maxBodyBytes: env.JITGATE_HTTP_MAX_BODY_BYTES,
      maxMaskedBodyBytes: env.JITGATE_HTTP_MAX_MASKED_BODY_BYTES,
      idleTimeoutMs: env.JITGATE_HTTP_IDLE_TIMEOUT * 1000,
      approvalTimeoutSeconds: env.JITGATE_HTTP_APPROVAL_TIMEOUT,
    },
  };
}

/** The one place that reads process.env. */
export function loadConfigFromProcessEnv(): GatewayConfig {
  return parseConfig(process.env);
}
