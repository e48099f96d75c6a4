import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type AgentConfig } from './config.schema.js';

const TOKEN = `jga_${'A'.repeat(43)}`;
const minimal = { JITGATE_AGENT_TOKEN: TOKEN, JITGATE_AGENT_NAME: 'edge-1', JITGATE_GATEWAY: 'gw.example.com:8443', JITGATE_AGENT_CONNECTIONS: 'pg-prod' };

function run(env: Record<string, string | undefined>, argv: string[] = []): AgentConfig {
  const parsed = parseConfig({ env, argv, hostname: 'pod-abc' });
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.config;
}

function problems(env: Record<string, string | undefined>, argv: string[] = []): string[] {
  try {
    parseConfig({ env, argv, hostname: 'pod-abc' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it("refuses GOOGLE_SDK_NODE_LOGGING: Google's client libraries would print minted tokens", () => {
    expect(problems({ ...minimal, GOOGLE_SDK_NODE_LOGGING: '*' })).toEqual([expect.stringMatching(/^GOOGLE_SDK_NODE_LOGGING: .*unset it$/)]);
    expect(run({ ...minimal, GOOGLE_SDK_NODE_LOGGING: '' }).agent.name).toBe('edge-1');
  });

  it('fills documented defaults: TLS on, DNS gateway, health on 9090', () => {
    const config = run(minimal);
    expect(config.gateway.insecure).toBe(false);
    expect(config.gateway.setting).toEqual({ kind: 'dns', name: { host: 'gw.example.com', port: 8443 } });
    expect(config.gateway.resolveIntervalMs).toBe(30_000);
    expect(config.agent).toEqual({ name: 'edge-1', instanceId: 'pod-abc', labels: {}, connections: ['pg-prod'] });
    expect(config.health).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(config.log.level).toBe('info');
    expect(config.token.source).toBe('value');
  });

  it('parses lists, labels and a static gateway list', () => {
    const config = run({
      ...minimal,
      JITGATE_GATEWAY: '10.0.0.1:8443, [fd00::2]:8443,gw-b:9000',
      JITGATE_AGENT_CONNECTIONS: 'pg-prod, redis.cache ,pg-prod',
      JITGATE_AGENT_LABELS: 'zone=eu-west1-b,team=data',
      JITGATE_GATEWAY_RESOLVE_INTERVAL: '2m',
    });
    expect(config.gateway.setting).toEqual({
      kind: 'static',
      addresses: [
        { host: '10.0.0.1', port: 8443 },
        { host: 'fd00::2', port: 8443 },
        { host: 'gw-b', port: 9000 },
      ],
    });
    expect(config.agent.connections).toEqual(['pg-prod', 'redis.cache']);
    expect(config.agent.labels).toEqual({ zone: 'eu-west1-b', team: 'data' });
    expect(config.gateway.resolveIntervalMs).toBe(120_000);
  });

  it('lets flags override the environment', () => {
    const config = run({ ...minimal, LOG_LEVEL: 'warn', JITGATE_AGENT_HEALTH_PORT: '9000' }, ['--name', 'edge-2', '--gateway=127.0.0.1:1234', '--insecure', '--log-level', 'debug', '--connections', 'a,b']);
    expect(config.agent.name).toBe('edge-2');
    expect(config.gateway.setting).toEqual({ kind: 'static', addresses: [{ host: '127.0.0.1', port: 1234 }] });
    expect(config.gateway.insecure).toBe(true);
    expect(config.log.level).toBe('debug');
    expect(config.agent.connections).toEqual(['a', 'b']);
    expect(config.health.port).toBe(9000);
  });

  it("defaults to Google's endpoints and takes replacements from the environment or flags (PSC, stand-ins)", () => {
    expect(run(minimal).google).toEqual({
      endpoints: { bigquery: 'https://bigquery.googleapis.com', storage: 'https://storage.googleapis.com' },
      iamCredentials: undefined,
      tokenUrl: undefined,
    });
    const config = run(
      {
        ...minimal,
        JITGATE_AGENT_BIGQUERY_ENDPOINT: 'https://bigquery-jitgate.p.googleapis.com/',
        JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: '127.0.0.1:7443',
        JITGATE_AGENT_GOOGLE_TOKEN_URL: 'http://127.0.0.1:7080/token',
      },
      ['--storage-endpoint', 'http://[::1]:9000', '--iam-credentials-insecure'],
    );
    expect(config.google).toEqual({
      endpoints: { bigquery: 'https://bigquery-jitgate.p.googleapis.com', storage: 'http://[::1]:9000' },
      iamCredentials: { host: '127.0.0.1', port: 7443, insecure: true },
      tokenUrl: 'http://127.0.0.1:7080/token',
    });
  });

  it('takes the token from a file given as a flag, over the environment token', () => {
    const config = run(minimal, ['--token-file', '/var/run/secrets/jitgate/token']);
    expect(config.token).toEqual({ source: 'file', path: '/var/run/secrets/jitgate/token' });
  });

  it('treats empty variables as unset (how Kubernetes renders optional values)', () => {
    expect(run({ ...minimal, JITGATE_GATEWAY_CA: '', JITGATE_AGENT_LABELS: '' }).gateway.caFile).toBeUndefined();
  });

  it.each([
    [{ JITGATE_AGENT_TOKEN: undefined }, 'JITGATE_AGENT_TOKEN: is required'],
    [{ JITGATE_AGENT_TOKEN_FILE: '/t' }, 'JITGATE_AGENT_TOKEN: set either'],
    [{ JITGATE_AGENT_TOKEN: 'jg_notanagenttokenxxxxxxxxxxxxxxxxxxxxxxxxx' }, 'JITGATE_AGENT_TOKEN: must look like jga_'],
    [{ JITGATE_AGENT_NAME: undefined }, 'JITGATE_AGENT_NAME: is required'],
    [{ JITGATE_AGENT_NAME: 'Edge One' }, 'JITGATE_AGENT_NAME'],
    [{ JITGATE_GATEWAY: undefined }, 'JITGATE_GATEWAY: is required'],
    [{ JITGATE_GATEWAY: 'gw.example.com' }, 'JITGATE_GATEWAY: each address must be host:port'],
    [{ JITGATE_GATEWAY: 'gw:0' }, 'JITGATE_GATEWAY: ports must be'],
    [{ JITGATE_GATEWAY: 'a:1,a:1' }, 'JITGATE_GATEWAY: lists an address twice'],
    [{ JITGATE_GATEWAY: 'fd00::1:8443' }, 'JITGATE_GATEWAY'],
    [{ JITGATE_AGENT_CONNECTIONS: ' , ' }, 'JITGATE_AGENT_CONNECTIONS: must name at least one'],
    [{ JITGATE_AGENT_CONNECTIONS: 'ok,Not_OK' }, 'JITGATE_AGENT_CONNECTIONS: entry 2'],
    [{ JITGATE_AGENT_LABELS: 'zone' }, 'JITGATE_AGENT_LABELS: entry 1'],
    [{ JITGATE_AGENT_INSECURE: 'yes' }, 'JITGATE_AGENT_INSECURE: must be true or false'],
    [{ JITGATE_AGENT_INSECURE: 'true', JITGATE_GATEWAY_CA: '/ca.pem' }, 'JITGATE_GATEWAY_CA: cannot be combined'],
    [{ JITGATE_AGENT_HEALTH_PORT: '70000' }, 'JITGATE_AGENT_HEALTH_PORT'],
    [{ JITGATE_AGENT_HEALTH_PORT: 'http' }, 'JITGATE_AGENT_HEALTH_PORT: must be a port number'],
    [{ JITGATE_GATEWAY_RESOLVE_INTERVAL: '100ms' }, 'JITGATE_GATEWAY_RESOLVE_INTERVAL: must be at least 1s'],
    [{ JITGATE_AGENT_SHUTDOWN_TIMEOUT: 'soon' }, 'JITGATE_AGENT_SHUTDOWN_TIMEOUT: must be a duration'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of'],
    // Tokens travel to these: plaintext only on loopback, and never a path or credentials.
    [{ JITGATE_AGENT_BIGQUERY_ENDPOINT: 'http://bigquery.internal' }, 'JITGATE_AGENT_BIGQUERY_ENDPOINT: http:// only on a loopback address'],
    [{ JITGATE_AGENT_BIGQUERY_ENDPOINT: 'https://bq.example/v2' }, 'JITGATE_AGENT_BIGQUERY_ENDPOINT: must be an origin'],
    [{ JITGATE_AGENT_STORAGE_ENDPOINT: 'https://u:p@gcs.example' }, 'JITGATE_AGENT_STORAGE_ENDPOINT: must not carry a user name'],
    [{ JITGATE_AGENT_STORAGE_ENDPOINT: 'storage.googleapis.com' }, 'JITGATE_AGENT_STORAGE_ENDPOINT: must be an https:// URL'],
    [{ JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: 'iam.example' }, 'JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: each address must be host:port'],
    [{ JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: 'true' }, 'JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: plaintext needs'],
    [{ JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: 'true', JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: '10.0.0.5:443' }, 'JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: plaintext needs'],
    [{ JITGATE_AGENT_GOOGLE_TOKEN_URL: 'http://oauth.internal/token' }, 'JITGATE_AGENT_GOOGLE_TOKEN_URL: http:// only on a loopback address'],
  ])('rejects %j, naming it', (override, expected) => {
    expect(problems({ ...minimal, ...override }).join('\n')).toContain(expected);
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(problems(minimal, ['--health-port', 'x'])).toEqual(['--health-port (JITGATE_AGENT_HEALTH_PORT): must be a port number']);
  });

  it.each([
    [['--bogus'], '--bogus: unknown flag'],
    [['--insecure=false'], '--insecure: takes no value'],
    [['--name'], '--name: needs a value'],
    [['--name', '--insecure'], '--name: needs a value'],
    [['--token', TOKEN], '--token: unknown flag'],
    [['stray'], 'argument 1: unexpected argument'],
  ])('rejects argv %j', (argv, expected) => {
    expect(problems(minimal, argv).join('\n')).toContain(expected);
  });

  it('answers --help and --version without requiring settings', () => {
    expect(parseConfig({ env: {}, argv: ['--help'], hostname: 'h' }).kind).toBe('help');
    expect(parseConfig({ env: {}, argv: ['--version'], hostname: 'h' }).kind).toBe('version');
  });

  it('never echoes a secret: not a bad token, not a token pasted as an argument or a flag name', () => {
    const bad = 'jga_tooshort-but-secret';
    const pasted = `jga_${'S'.repeat(43)}`;
    for (const [env, argv] of [
      [{ ...minimal, JITGATE_AGENT_TOKEN: bad }, []],
      [minimal, [pasted]],
      [minimal, [`--${pasted}`]],
      [minimal, ['--name', pasted, '--gateway', pasted]],
    ] as const) {
      const text = problems(env, [...argv]).join('\n');
      expect(text).not.toContain(bad);
      expect(text).not.toContain(pasted);
      expect(text).not.toContain('SSSSSSSS');
    }
  });

  it('keeps the token out of the config when it is printed', () => {
    const printed = JSON.stringify(run(minimal));
    expect(printed).not.toContain(TOKEN);
    expect(printed).toContain('[redacted]');
  });
});
