// The whole data path as real processes, for the e2e/data-path/*.test.ts suites (and, under
// postgres-stack.ts and http-stack.ts, the postgres, http and revocation ones): a migrated
// database, one or more built gateways (gateway-process.ts) on explicit ports, the built agent
// (`apps/agent/dist/main.js`) and `jitgate connect` (`apps/cli/dist/main.js`), in front of real
// targets: a TCP echo server started here and the machine's PostgreSQL.
// Build first (built-mains.ts).
import { once } from 'node:events';
import net from 'node:net';
import {
  allowConnections,
  ApiClient,
  createIdentity,
  createMigratedDatabase,
  createTcpConnection,
  deleteRedisKeys,
  eventually,
  registerAgent,
  requestGrant,
  type TestGrant,
  type TestIdentity,
} from '@jitgate/testkit';
import { AGENT_MAIN, CLI_MAIN } from './built-mains.js';
import { baseEnv, newBootstrapToken, newRedisPrefix } from './e2e-support.js';
import { EchoTarget, LocalClient } from './data-path-traffic.js';
import { freePort, GatewayProcess } from './gateway-process.js';
import { type ChildRun, spawnNode } from './node-process.js';

/** The agent group of every connection the stack's agent serves. */
export const AGENT_GROUP = 'edge';
/** A connection of another group that the agent offers anyway: the gateway lists it in Welcome.refused. */
export const FOREIGN_CONNECTION = 'foreign-echo';

export { EchoTarget, expectWithin, LocalClient, streamThroughEcho, type EchoSocket } from './data-path-traffic.js';
export { ChildRun } from './node-process.js';

// ---------------------------------------------------------------------------------------------
// The stack.

export interface AgentProcessOptions {
  /** Default: the stack's registered agent. */
  token?: string;
  name?: string;
  connections?: string[];
  /** The replicas it dials; default all of them. */
  gateways?: GatewayProcess[];
  /** More environment (credentials the agent holds). */
  env?: Record<string, string>;
  /** Where the agent dials the replicas; default 127.0.0.1 (another for an agent in a netns). */
  gatewayHost?: string;
  /** A command prefix the agent runs under, e.g. `ip netns exec <ns>` (network-namespace.ts). */
  exec?: string[];
}

export interface StackOptions {
  /** Gateway processes on one database and one Redis prefix. Default 1. */
  replicas?: number;
  /**
   * JITGATE_MODE of each process, one per replica (then `replicas` is their number), e.g.
   * ['api', 'worker', 'data', 'data']: a split deployment. Default: every process runs all.
   */
  modes?: string[];
  /** Start the registered agent. Default true. */
  agent?: boolean;
  /** Options for that agent. */
  agentOptions?: AgentProcessOptions;
  gatewayEnv?: Record<string, string>;
  /** The DATABASE_URL the gateways get for the stack's database: e.g. through a relay the suite can cut. */
  gatewayDatabaseUrl?(url: string): string;
  /** Runs before the agent starts: more connections and policies (postgres-stack.ts). */
  beforeAgent?(stack: DataPathStack): Promise<void>;
}

export class DataPathStack {
  readonly gateways: GatewayProcess[] = [];
  /** JITGATE_GATEWAY_ID and JITGATE_MODE of each of `gateways`. */
  readonly gatewayIds: string[] = [];
  readonly modes: string[] = [];
  readonly agents: ChildRun[] = [];
  readonly clis: ChildRun[] = [];
  readonly adminToken = newBootstrapToken();
  readonly redisPrefix: string;
  database!: { url: string; drop(): Promise<void> };
  echo!: EchoTarget;
  alice!: TestIdentity;
  /** The registered agent (group `edge`): its id and token. */
  agentRecord!: { id: string; token: string; name: string };
  agent: ChildRun | undefined;

  private constructor(private readonly suite: string) {
    this.redisPrefix = newRedisPrefix(suite);
  }

  get gateway(): GatewayProcess {
    return this.gateways[0] as GatewayProcess;
  }

  admin(replica = 0): ApiClient {
    return new ApiClient((this.gateways[replica] as GatewayProcess).baseUrl, this.adminToken);
  }

  private runs(replica: number, mode: string): boolean {
    const modes = this.modes[replica] ?? 'all';
    return modes === 'all' || modes.split(',').includes(mode);
  }

  /** The first process that serves the REST API. */
  get apiGateway(): GatewayProcess {
    const index = this.gateways.findIndex((_, i) => this.runs(i, 'api'));
    if (index < 0) throw new Error('no process of this stack runs the api mode');
    return this.gateways[index] as GatewayProcess;
  }

  /** The processes that run the data plane (the agent dials these). */
  get dataGateways(): GatewayProcess[] {
    return this.gateways.filter((_, i) => this.runs(i, 'data'));
  }

  static async start(suite: string, options: StackOptions = {}): Promise<DataPathStack> {
    const stack = new DataPathStack(suite);
    try {
      await stack.boot(options);
    } catch (error) {
      await stack.dispose();
      throw error;
    }
    return stack;
  }

  private async boot(options: StackOptions): Promise<void> {
    this.database = await createMigratedDatabase(`jitgate_e2e_dp_${this.suite.replace(/\W/g, '_')}`);
    this.echo = await EchoTarget.start();
    // One at a time: the first creates the bootstrap admin, the others find it.
    const count = options.modes?.length ?? options.replicas ?? 1;
    for (let i = 0; i < count; i += 1) {
      const mode = options.modes?.[i] ?? 'all';
      this.gatewayIds.push(`gw-${this.suite}-${i}`);
      this.modes.push(mode);
      const gateway = new GatewayProcess({
        // Generous: the shared 2-core machines are often busy with other suites' processes.
        readyTimeoutMs: 60_000,
        env: {
          ...baseEnv(options.gatewayDatabaseUrl?.(this.database.url) ?? this.database.url, this.redisPrefix),
          JITGATE_BOOTSTRAP_TOKEN: this.adminToken,
          JITGATE_GATEWAY_ID: `gw-${this.suite}-${i}`,
          JITGATE_MODE: mode,
          JITGATE_TUNNEL_PORT: String(await freePort()),
          JITGATE_TCP_PORT: String(await freePort()),
          JITGATE_PG_PORT: String(await freePort()),
          JITGATE_HTTP_PORT: String(await freePort()),
          LOG_LEVEL: 'warn',
          ...options.gatewayEnv,
        },
      });
      this.gateways.push(gateway);
      await gateway.start();
    }
    const admin = new ApiClient(this.apiGateway.baseUrl, this.adminToken);
    this.alice = await createIdentity(admin, { subject: 'alice', groups: ['dev'] });
    await createTcpConnection(admin, 'echo', this.echo.port, AGENT_GROUP);
    await createTcpConnection(admin, 'pg', 5432, AGENT_GROUP);
    await createTcpConnection(admin, FOREIGN_CONNECTION, this.echo.port, 'elsewhere');
    await options.beforeAgent?.(this);
    await allowConnections(admin, 'data-path', ['echo', 'pg', FOREIGN_CONNECTION]);
    const name = `edge-${this.suite}`;
    this.agentRecord = { ...(await registerAgent(admin, name, AGENT_GROUP)), name };
    if (options.agent ?? true) {
      this.agent = this.spawnAgent(options.agentOptions);
      await this.waitAgentConnected(this.dataGateways);
    }
  }

  /** Spawns `node apps/agent/dist/main.js --insecure`; the token travels in the environment. */
  spawnAgent(options: AgentProcessOptions = {}): ChildRun {
    const gateways = options.gateways ?? this.dataGateways;
    const name = options.name ?? this.agentRecord.name;
    const run = spawnNode(
      `agent ${name}`,
      AGENT_MAIN,
      ['--insecure'],
      {
        JITGATE_AGENT_TOKEN: options.token ?? this.agentRecord.token,
        JITGATE_AGENT_NAME: name,
        JITGATE_AGENT_INSTANCE_ID: `${name}-${this.agents.length}`,
        JITGATE_GATEWAY: gateways.map((g) => `${options.gatewayHost ?? '127.0.0.1'}:${g.tunnelPort}`).join(','),
        JITGATE_AGENT_CONNECTIONS: (options.connections ?? ['echo', 'pg', FOREIGN_CONNECTION]).join(','),
        JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
        JITGATE_AGENT_HEALTH_PORT: '0',
        LOG_LEVEL: 'info',
        ...options.env,
      },
      options.exec,
    );
    this.agents.push(run);
    return run;
  }

  /** Waits until GET /v1/agents/:id shows a tunnel of the agent open to each of `gateways`. */
  async waitAgentConnected(gateways: GatewayProcess[], timeoutMs = 20_000): Promise<void> {
    const admin = new ApiClient(this.apiGateway.baseUrl, this.adminToken);
    const ids = gateways.map((gateway) => this.gatewayIds[this.gateways.indexOf(gateway)]);
    await eventually(async () => {
      if (this.agent?.exit) throw new Error(`the agent exited\n${this.agent.tail()}`);
      const agent = await admin.get(`/v1/agents/${this.agentRecord.id}`);
      if (agent.status !== 200) return false;
      const serving = new Set((agent.body.instances as Array<{ gatewayId: string }>).map((instance) => instance.gatewayId));
      return ids.every((id) => serving.has(id as string));
    }, timeoutMs);
  }

  requestGrant(connection: string, durationSeconds = 3600): Promise<TestGrant> {
    return requestGrant(this.alice, connection, durationSeconds);
  }

  /**
   * Spawns `jitgate connect <connection> --port 0 --proxy 127.0.0.1:<tcpPort>` against `replica`
   * (as alice, unless `token` says otherwise) and reads the port it printed.
   */
  async connect(connection: string, replica = 0, token = this.alice.token): Promise<CliForwarder> {
    const gateway = this.gateways[replica] as GatewayProcess;
    const run = spawnNode(`jitgate connect ${connection}`, CLI_MAIN, ['connect', connection, '--port', '0', '--proxy', `127.0.0.1:${gateway.tcpPort}`], {
      // The API where it is served (the same process, unless the stack is split).
      JITGATE_URL: this.runs(replica, 'api') ? gateway.baseUrl : this.apiGateway.baseUrl,
      JITGATE_TOKEN: token,
    });
    this.clis.push(run);
    const match = await run.waitForOutput(/Forwarding 127\.0\.0\.1:(\d+) → /);
    return new CliForwarder(run, Number(match[1]));
  }

  /** The session row, once it has ended. */
  endedSession(sessionId: string, replica = 0): Promise<Record<string, any>> {
    return eventually(async () => {
      const response = await this.admin(replica).get(`/v1/sessions/${sessionId}`);
      return response.status === 200 && response.body.endedAt ? (response.body as Record<string, any>) : null;
    });
  }

  async dispose(): Promise<void> {
    for (const gateway of this.gateways) gateway.signal('SIGCONT');
    await Promise.all([...this.clis, ...this.agents].map((run) => run.stop(2_000)));
    await Promise.all(this.gateways.map((gateway) => gateway.dispose()));
    await this.echo?.close();
    await deleteRedisKeys(this.redisPrefix);
    await this.database?.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// `jitgate connect` and the local clients pointed at it.

export class CliForwarder {
  constructor(
    readonly run: ChildRun,
    readonly port: number,
  ) {}

  /** Opens a local connection and waits until the CLI printed its session id. */
  async open(): Promise<LocalClient> {
    const before = this.sessionIds().length;
    // Not half-open: like most clients (psql among them), it ends its side when the other ends.
    const socket = net.connect({ host: '127.0.0.1', port: this.port });
    await once(socket, 'connect');
    const client = new LocalClient(socket);
    const ids = await eventually(async () => (this.sessionIds().length > before ? this.sessionIds() : null), 10_000, 20);
    client.sessionId = ids[before];
    return client;
  }

  /** Session ids in the order the CLI reported them. */
  sessionIds(): string[] {
    return [...this.run.stdout.matchAll(/connected: session (\S+)/g)].map((m) => m[1] as string);
  }
}
