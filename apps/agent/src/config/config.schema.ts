// The agent's settings: environment variables, overridden by flags (argv.ts), validated once with
// zod and handed out as one typed object. Secrets are never defaulted and never echoed: errors
// name the variable or flag and the rule, not the value (config.schema.spec.ts).
import { z } from 'zod';
import { AGENT_TOKEN_PATTERN, LABEL_KEY_PATTERN, MAX_LABEL_VALUE_LENGTH, MAX_LABELS, NAME_PATTERN } from '@jitgate/contracts';
import { SecretValue } from '../credentials/secret-value.js';
import { parseGatewaySetting, type GatewaySetting } from '../gateway/gateway-addresses.js';
import { parseArgv } from './argv.js';
import { parseDurationMs } from './duration.js';
import { isLoopbackHost, parseApiOrigin, parseGrpcEndpoint, parseTokenUrl } from './google-endpoint-settings.js';

const from = <T>(parse: (value: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

function parseConnections(value: string): string[] {
  const names = list(value);
  if (names.length === 0) throw new Error('must name at least one connection');
  const bad = names.findIndex((name) => !NAME_PATTERN.test(name));
  if (bad >= 0) throw new Error(`entry ${bad + 1} is not a connection name (lower-case letters, digits, ".", "_", "-")`);
  return [...new Set(names)];
}

function parseLabels(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [index, pair] of list(value).entries()) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    const labelValue = pair.slice(eq + 1).trim();
    if (eq < 0 || !LABEL_KEY_PATTERN.test(key) || labelValue.length > MAX_LABEL_VALUE_LENGTH)
      throw new Error(`entry ${index + 1} must be key=value (key: lower-case, at most 63; value at most ${MAX_LABEL_VALUE_LENGTH})`);
    labels[key] = labelValue;
  }
  if (Object.keys(labels).length > MAX_LABELS) throw new Error(`at most ${MAX_LABELS} labels`);
  return labels;
}

const required = (what: string) => z.string({ error: (issue) => (issue.input === undefined ? 'is required' : what) });
const bool = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

export const settingsSchema = z
  .object({
    JITGATE_AGENT_TOKEN: z.string().regex(AGENT_TOKEN_PATTERN, 'must look like jga_ followed by 32 to 128 URL-safe characters').optional(),
    JITGATE_AGENT_TOKEN_FILE: z.string().min(1).optional(),
    JITGATE_AGENT_NAME: required('must be a string').regex(NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-", at most 63'),
    JITGATE_AGENT_INSTANCE_ID: z.string().min(1).max(253).optional(),
    JITGATE_GATEWAY: required('must be a string').pipe(from(parseGatewaySetting)),
    JITGATE_GATEWAY_CA: z.string().min(1).optional(),
    JITGATE_AGENT_INSECURE: bool.default(false),
    JITGATE_GATEWAY_RESOLVE_INTERVAL: from(parseDurationMs).pipe(z.number().min(1000, 'must be at least 1s')).default(30_000),
    JITGATE_AGENT_CONNECTIONS: required('must be a string').pipe(from(parseConnections)),
    JITGATE_AGENT_LABELS: from(parseLabels).default({}),
    JITGATE_AGENT_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
    JITGATE_AGENT_HEALTH_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(9090),
    JITGATE_AGENT_SHUTDOWN_TIMEOUT: from(parseDurationMs).default(10_000),
    // Google endpoints (google-endpoint-settings.ts): Private Service Connect, or stand-ins in tests.
    JITGATE_AGENT_BIGQUERY_ENDPOINT: from(parseApiOrigin).default('https://bigquery.googleapis.com'),
    JITGATE_AGENT_STORAGE_ENDPOINT: from(parseApiOrigin).default('https://storage.googleapis.com'),
    JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: from(parseGrpcEndpoint).optional(),
    JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: bool.default(false),
    JITGATE_AGENT_GOOGLE_TOKEN_URL: from(parseTokenUrl).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  })
  .superRefine((settings, ctx) => {
    const sources = Number(settings.JITGATE_AGENT_TOKEN !== undefined) + Number(settings.JITGATE_AGENT_TOKEN_FILE !== undefined);
    if (sources === 0) ctx.addIssue({ code: 'custom', path: ['JITGATE_AGENT_TOKEN'], message: 'is required (or JITGATE_AGENT_TOKEN_FILE / --token-file)' });
    if (sources === 2) ctx.addIssue({ code: 'custom', path: ['JITGATE_AGENT_TOKEN'], message: 'set either the token or a token file, not both' });
    if (settings.JITGATE_AGENT_INSECURE && settings.JITGATE_GATEWAY_CA !== undefined)
      ctx.addIssue({ code: 'custom', path: ['JITGATE_GATEWAY_CA'], message: 'cannot be combined with insecure (plaintext) mode' });
    // The agent's own Google token travels in every IAM call: plaintext only where it stays on the host.
    if (settings.JITGATE_AGENT_IAM_CREDENTIALS_INSECURE && !(settings.JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT && isLoopbackHost(settings.JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT.host)))
      ctx.addIssue({ code: 'custom', path: ['JITGATE_AGENT_IAM_CREDENTIALS_INSECURE'], message: 'plaintext needs JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT on a loopback address' });
  });

export type TokenSetting = { source: 'value'; value: SecretValue } | { source: 'file'; path: string };

export interface AgentConfig {
  agent: { name: string; instanceId: string; labels: Record<string, string>; connections: string[] };
  token: TokenSetting;
  gateway: { setting: GatewaySetting; caFile: string | undefined; insecure: boolean; resolveIntervalMs: number };
  health: { host: string; port: number };
  /** Google's endpoints, or their replacements (docs/http.md "At the agent"). */
  google: {
    /** API origins of `bigquery` and `gcs` connections. */
    endpoints: { bigquery: string; storage: string };
    /** IAM Credentials gRPC API; undefined: iamcredentials.googleapis.com:443 over TLS. */
    iamCredentials: { host: string; port: number; insecure: boolean } | undefined;
    /** OAuth token URL for the agent's service-account key; undefined: Google's. */
    tokenUrl: string | undefined;
  };
  shutdownTimeoutMs: number;
  log: { level: z.output<typeof settingsSchema>['LOG_LEVEL'] };
}

export type ParsedCommandLine = { kind: 'run'; config: AgentConfig } | { kind: 'help' } | { kind: 'version' };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid agent settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ConfigSource {
  env: Record<string, string | undefined>;
  argv: readonly string[];
  /** Default instance id: the host name, which is the pod name in Kubernetes. */
  hostname: string;
}

export function parseConfig(source: ConfigSource): ParsedCommandLine {
  const flags = parseArgv(source.argv);
  if (flags.problems.length > 0) throw new ConfigError(flags.problems);
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };

  // Kubernetes renders an unset optional value as ""; treat it as unset.
  const env = Object.fromEntries(Object.entries(source.env).filter(([, v]) => v !== undefined && v !== ''));
  // A token file given as a flag overrides a token from the environment, like every flag.
  if (flags.settings.JITGATE_AGENT_TOKEN_FILE !== undefined) delete env.JITGATE_AGENT_TOKEN;
  // google-auth-library and @google-cloud/iam-credentials print every response, access tokens
  // included, to stderr when this is set: the agent would leak the tokens it mints (README).
  if (env.GOOGLE_SDK_NODE_LOGGING !== undefined) throw new ConfigError(['GOOGLE_SDK_NODE_LOGGING: Google client debug logging prints the access tokens the agent mints; unset it']);
  const result = settingsSchema.safeParse({ ...env, ...flags.settings });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'settings');
        const flag = flags.flagFor[variable];
        return `${flag ? `${flag} (${variable})` : variable}: ${issue.message}`;
      }),
    );
  }
  const s = result.data;
  return {
    kind: 'run',
    config: {
      agent: {
        name: s.JITGATE_AGENT_NAME,
        instanceId: s.JITGATE_AGENT_INSTANCE_ID ?? source.hostname,
        labels: s.JITGATE_AGENT_LABELS,
        connections: s.JITGATE_AGENT_CONNECTIONS,
      },
      token: s.JITGATE_AGENT_TOKEN_FILE !== undefined ? { source: 'file', path: s.JITGATE_AGENT_TOKEN_FILE } : { source: 'value', value: new SecretValue(s.JITGATE_AGENT_TOKEN as string) },
      gateway: {
        setting: s.JITGATE_GATEWAY,
        caFile: s.JITGATE_GATEWAY_CA,
        insecure: s.JITGATE_AGENT_INSECURE,
        resolveIntervalMs: s.JITGATE_GATEWAY_RESOLVE_INTERVAL,
      },
      health: { host: s.JITGATE_AGENT_HEALTH_HOST, port: s.JITGATE_AGENT_HEALTH_PORT },
      google: {
        endpoints: { bigquery: s.JITGATE_AGENT_BIGQUERY_ENDPOINT, storage: s.JITGATE_AGENT_STORAGE_ENDPOINT },
        iamCredentials: s.JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT && { ...s.JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT, insecure: s.JITGATE_AGENT_IAM_CREDENTIALS_INSECURE },
        tokenUrl: s.JITGATE_AGENT_GOOGLE_TOKEN_URL,
      },
      shutdownTimeoutMs: s.JITGATE_AGENT_SHUTDOWN_TIMEOUT,
      log: { level: s.LOG_LEVEL },
    },
  };
}
