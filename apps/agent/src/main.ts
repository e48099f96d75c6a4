#!/usr/bin/env node
// jitgate-agent: the composition root. Parses settings once, wires the adapters, runs until
// SIGTERM (exit 0 after a graceful drain) or until every gateway refuses the agent (exit 77).
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Agent } from './agent.js';
import { systemClock } from './clock.js';
import { usage } from './config/argv.js';
import { ConfigError, type AgentConfig } from './config/config.schema.js';
import { loadCommandLine, readEnvironmentVariable } from './config/load-config.js';
import { LocalCredentialProvider } from './credentials/credential-provider.js';
import { GcpTokenBroker } from './credentials/gcp-token-broker.js';
import { googleAuthIdentity, iamCredentialsApi } from './credentials/google-clients.js';
import { createTokenSource } from './credentials/token-source.js';
import { createGrpcTransport } from './gateway/grpc-transport.js';
import { startHealthServer } from './health/health-server.js';
import { createLogger } from './logging/logger.js';
import { defaultTargetDialers } from './targets/target-dialer.js';
import { postgresDialer } from './targets/postgres-dialer.js';
import { httpDialers } from './targets/http-dialer.js';
import { readAgentVersion } from './version.js';

/** sysexits: bad settings (EX_USAGE) and a gateway that refuses the agent's token (EX_NOPERM). */
const EXIT_BAD_SETTINGS = 64;
const EXIT_REFUSED = 77;

function parse(): AgentConfig {
  try {
    const parsed = loadCommandLine();
    if (parsed.kind === 'help') {
      process.stdout.write(`${usage()}\n`);
      process.exit(0);
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`${readAgentVersion()}\n`);
      process.exit(0);
    }
    return parsed.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`jitgate-agent: ${error.message}\n\n${usage()}\n`);
    process.exit(EXIT_BAD_SETTINGS);
  }
}

async function main(): Promise<void> {
  const config = parse();
  const version = readAgentVersion();
  const logger = createLogger({ level: config.log.level, agent: config.agent.name, instance: config.agent.instanceId });
  const fail = (message: string): never => {
    logger.fatal(message);
    process.exit(EXIT_BAD_SETTINGS);
  };

  if (config.gateway.insecure) {
    logger.warn('INSECURE: the tunnel to the gateway is plaintext gRPC. The agent token and all session traffic can be read on the network. Use only for local development.');
  }
  const tokens = createTokenSource(config.token);
  // Fail at start, not at the first dial, when the token file is missing or malformed.
  await tokens.read().catch((error: Error) => fail(error.message));
  let ca: Buffer | undefined;
  if (config.gateway.caFile) ca = await readFile(config.gateway.caFile).catch(() => fail(`JITGATE_GATEWAY_CA: ${config.gateway.caFile} cannot be read`));

  // gcp-sa:/gcp-adc: the agent's own identity is Application Default Credentials (found by
  // google-auth-library: GOOGLE_APPLICATION_CREDENTIALS, the metadata server, gcloud's file).
  // Nothing is loaded or asked until a connection uses a gcp reference.
  // JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT / _GOOGLE_TOKEN_URL replace Google's addresses (PSC; stand-ins).
  const iamEndpoint = config.google.iamCredentials;
  const iam = iamCredentialsApi(
    iamEndpoint && {
      apiEndpoint: isIP(iamEndpoint.host) === 6 ? `[${iamEndpoint.host}]` : iamEndpoint.host,
      port: iamEndpoint.port,
      sslCreds: iamEndpoint.insecure ? grpc.credentials.createInsecure() : undefined,
    },
  );
  const gcp = new GcpTokenBroker({ identity: googleAuthIdentity({ tokenUrl: config.google.tokenUrl }), iam, clock: systemClock, logger: logger.child({ component: 'gcp-token-broker' }) });
  const credentials = new LocalCredentialProvider({
    readEnv: readEnvironmentVariable,
    protectedFiles: config.token.source === 'file' ? [config.token.path] : [],
    gcp,
  });
  const agent = new Agent({
    hello: { name: config.agent.name, version, labels: config.agent.labels, connections: config.agent.connections, instanceId: config.agent.instanceId },
    gateway: config.gateway.setting,
    resolveIntervalMs: config.gateway.resolveIntervalMs,
    resolve: async (host) => (await lookup(host, { all: true })).map((entry) => entry.address),
    transport: createGrpcTransport({ insecure: config.gateway.insecure, ca }),
    tokens,
    credentials,
    dialers: new Map([
      ...defaultTargetDialers,
      ['postgres', postgresDialer(credentials)],
      ...httpDialers({ credentials, clock: systemClock, logger: logger.child({ component: 'http-dialer' }), endpoints: config.google.endpoints }),
    ]),
    clock: systemClock,
    logger,
  });
  const health = await startHealthServer(agent, config.health.host, config.health.port).catch((error: Error) =>
    fail(`the health server cannot listen on ${config.health.host}:${config.health.port}: ${error.message}`),
  );
  logger.info({ version, connections: config.agent.connections, healthPort: health.port, insecure: config.gateway.insecure }, 'agent starting');
  agent.start();

  let stopping = false;
  const shutdown = async (signal: string, code: number): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: closing sessions and tunnels');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(code === 0 ? 1 : code);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    await agent.stop();
    await health.close();
    logger.info('agent stopped');
    // pino writes synchronously to stdout by default, so nothing is lost by exiting here.
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  void agent.done.then(({ reason }) => {
    process.stderr.write(`jitgate-agent: every gateway refused this agent: ${reason}\n`);
    return shutdown('gateway refused the agent', EXIT_REFUSED);
  });
}

void main();
