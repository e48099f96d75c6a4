// Command-line flags. Every flag names the environment variable it overrides, so the schema
// validates one merged map and its errors name the flag the operator actually typed.
// Problems are reported by flag name only: an argument may be a secret pasted in the wrong
// place (`jitgate-agent jga_…`), so values and positionals are never echoed.
import { parseArgs } from 'node:util';

interface FlagSpec {
  env: string;
  boolean?: true;
  help: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  'token-file': { env: 'JITGATE_AGENT_TOKEN_FILE', help: 'file holding the agent token (a mounted Secret)' },
  name: { env: 'JITGATE_AGENT_NAME', help: 'registered agent name' },
  'instance-id': { env: 'JITGATE_AGENT_INSTANCE_ID', help: 'this replica (default: host name)' },
  gateway: { env: 'JITGATE_GATEWAY', help: 'host:port[,host:port…] or one DNS name:port' },
  'gateway-ca': { env: 'JITGATE_GATEWAY_CA', help: 'PEM file of the CA that signed the gateway certificate' },
  insecure: { env: 'JITGATE_AGENT_INSECURE', boolean: true, help: 'plaintext gRPC (local development only)' },
  'resolve-interval': { env: 'JITGATE_GATEWAY_RESOLVE_INTERVAL', help: 'how often a DNS gateway name is re-resolved' },
  connections: { env: 'JITGATE_AGENT_CONNECTIONS', help: 'comma list of connections this agent has credentials for' },
  labels: { env: 'JITGATE_AGENT_LABELS', help: 'k=v[,k=v…]' },
  'health-host': { env: 'JITGATE_AGENT_HEALTH_HOST', help: 'address of /healthz and /readyz' },
  'health-port': { env: 'JITGATE_AGENT_HEALTH_PORT', help: 'port of /healthz and /readyz' },
  'shutdown-timeout': { env: 'JITGATE_AGENT_SHUTDOWN_TIMEOUT', help: 'how long SIGTERM waits for tunnels to drain' },
  'bigquery-endpoint': { env: 'JITGATE_AGENT_BIGQUERY_ENDPOINT', help: 'BigQuery API origin (default https://bigquery.googleapis.com; PSC)' },
  'storage-endpoint': { env: 'JITGATE_AGENT_STORAGE_ENDPOINT', help: 'Cloud Storage API origin (default https://storage.googleapis.com)' },
  'iam-credentials-endpoint': { env: 'JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT', help: 'host:port of the IAM Credentials gRPC API (default Google, TLS)' },
  'iam-credentials-insecure': { env: 'JITGATE_AGENT_IAM_CREDENTIALS_INSECURE', boolean: true, help: 'plaintext gRPC to a loopback IAM Credentials endpoint (tests)' },
  'google-token-url': { env: 'JITGATE_AGENT_GOOGLE_TOKEN_URL', help: "OAuth token URL for the agent's service-account key" },
  'log-level': { env: 'LOG_LEVEL', help: 'fatal|error|warn|info|debug|trace|silent' },
};

export interface ParsedArgv {
  /** Settings given as flags, keyed by the environment variable they override. */
  settings: Record<string, string>;
  /** Environment variable → the flag that set it, for error messages. */
  flagFor: Record<string, string>;
  help: boolean;
  version: boolean;
  problems: string[];
}

const SAFE_FLAG_NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const result: ParsedArgv = { settings: {}, flagFor: {}, help: false, version: false, problems: [] };
  const options = Object.fromEntries([
    ...Object.entries(FLAGS).map(([flag, spec]) => [flag, { type: spec.boolean ? ('boolean' as const) : ('string' as const) }]),
    ['help', { type: 'boolean' as const, short: 'h' }],
    ['version', { type: 'boolean' as const }],
  ]);
  // strict: false so that nothing throws with a value in its message; we judge each token below.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      result.problems.push(`argument ${token.index + 1}: unexpected argument (flags take the form --name value)`);
      continue;
    }
    if (token.kind !== 'option') continue;
    const name = token.name;
    if (name === 'help' || name === 'h') result.help = true;
    else if (name === 'version') result.version = true;
    const spec = FLAGS[name];
    if (!spec) {
      if (name !== 'help' && name !== 'h' && name !== 'version') result.problems.push(`${SAFE_FLAG_NAME.test(name) ? `--${name}` : 'a flag'}: unknown flag`);
      continue;
    }
    if (spec.boolean) {
      if (token.value !== undefined) result.problems.push(`--${name}: takes no value`);
      else result.settings[spec.env] = 'true';
    } else if (token.value === undefined || token.value === '' || (!token.inlineValue && token.value.startsWith('--'))) {
      // `--name --gateway x`: the next flag is not a value; strict parsing would have said so.
      result.problems.push(`--${name}: needs a value`);
    } else {
      result.settings[spec.env] = token.value;
    }
    result.flagFor[spec.env] = `--${name}`;
  }
  return result;
}

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([flag, spec]) => `  --${flag.padEnd(24)} ${spec.env.padEnd(38)} ${spec.help}`);
  return [
    'usage: jitgate-agent [flags]   (flags override the environment variables beside them)',
    '  JITGATE_AGENT_TOKEN (or a token file) is required; it is never accepted as a flag.',
    ...lines,
    '  --help, --version',
  ].join('\n');
}
