// Runs the real Agent (real gRPC transport, real TCP dialer, system clock) in-process against
// TestGateway, capturing its JSON log lines so tests can assert what is, and is not, logged.
import { lookup } from 'node:dns/promises';
import type { Backoff } from '@jitgate/tunnel';
import { Agent } from '../../src/agent.js';
import { systemClock } from '../../src/clock.js';
import { LocalCredentialProvider } from '../../src/credentials/credential-provider.js';
import { SecretValue } from '../../src/credentials/secret-value.js';
import { parseGatewaySetting } from '../../src/gateway/gateway-addresses.js';
import { createGrpcTransport } from '../../src/gateway/grpc-transport.js';
import { createLogger } from '../../src/logging/logger.js';
import { defaultTargetDialers, type TargetDialers } from '../../src/targets/target-dialer.js';
import type { TunnelTiming } from '../../src/tunnel/tunnel-connection.js';

export const AGENT_TOKEN = `jga_${'T0k3n'.repeat(9)}`;

export interface HarnessOptions {
  gateway: string;
  token?: string;
  connections: string[];
  /** The agent's environment for env: credential references. */
  env?: Record<string, string>;
  timing?: Partial<TunnelTiming>;
  backoff?: () => Backoff;
  /** TLS with these roots; plaintext when absent. */
  ca?: Buffer;
  resolve?: (host: string) => Promise<string[]>;
  /** Default: the built-in tcp dialer only. */
  dialers?: TargetDialers;
}

export interface Harness {
  agent: Agent;
  logs: string[];
  stop(): Promise<void>;
}

export function startAgent(options: HarnessOptions): Harness {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', agent: 'edge-1', instance: 'pod-1' }, { write: (line: string) => void logs.push(line) });
  const agent = new Agent({
    hello: { name: 'edge-1', version: '0.1.0-test', labels: { zone: 'test' }, connections: options.connections, instanceId: 'pod-1' },
    gateway: parseGatewaySetting(options.gateway),
    resolveIntervalMs: 30_000,
    resolve: options.resolve ?? (async (host) => (await lookup(host, { all: true })).map((entry) => entry.address)),
    transport: createGrpcTransport(options.ca ? { insecure: false, ca: options.ca } : { insecure: true }),
    tokens: { read: async () => new SecretValue(options.token ?? AGENT_TOKEN) },
    credentials: new LocalCredentialProvider({ readEnv: (name) => options.env?.[name] }),
    dialers: options.dialers ?? defaultTargetDialers,
    clock: systemClock,
    logger,
    timing: options.timing,
    backoff: options.backoff,
  });
  agent.start();
  return { agent, logs, stop: () => agent.stop() };
}

/** The log lines, parsed. */
export function parsedLogs(logs: string[]): Array<Record<string, unknown>> {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}
