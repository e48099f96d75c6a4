// TunnelService/Connect (docs/tunnel.md §1): the token in the call metadata names an agent,
// Hello must come first and carry that agent's name, Welcome assigns the connections of the
// agent's group that the agent also named. Then the tunnel is registered and ready.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { status, type Metadata } from '@grpc/grpc-js';
import type { Connection } from '@jitgate/db';
import type { Hello } from '@jitgate/proto';
import { connectionName } from '@jitgate/contracts';
import { CONTROL_PLANE, type AgentRecord, type ControlPlane } from '../../port/control-plane.port.js';
import { JitgateError } from '../../platform/errors/jitgate.error.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { AgentRegistry } from '../tunnel/agent-registry.js';
import { AgentTunnel, TunnelRefusal, type TunnelAssignment, type TunnelCall } from '../tunnel/agent-tunnel.js';
import { toAgent } from '../tunnel/tunnel-frames.js';
import { TunnelMetrics } from '../tunnel/tunnel.metrics.js';

const HELLO_TIMEOUT_MS = 10_000;
/** Bounds on what an agent may claim about itself. */
const HELLO_LIMITS = { connections: 1000, text: 256, labels: 64 };

const unauthenticated = (message: string) => new TunnelRefusal(status.UNAUTHENTICATED, message);
const invalid = (message: string) => new TunnelRefusal(status.INVALID_ARGUMENT, message);

function bearerOf(metadata: Metadata): string {
  const [value] = metadata.get('authorization');
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  if (!match) throw unauthenticated('send authorization: Bearer <agent token> in the call metadata');
  return match[1] as string;
}

function checkHello(hello: Hello): void {
  const long = [hello.version, hello.instanceId].some((text) => text.length > HELLO_LIMITS.text);
  const labels = Object.entries(hello.labels);
  if (long || labels.length > HELLO_LIMITS.labels || labels.some(([k, v]) => k.length > HELLO_LIMITS.text || v.length > HELLO_LIMITS.text)) {
    throw invalid(`Hello: version, instance_id, labels (at most ${HELLO_LIMITS.labels}) must each be at most ${HELLO_LIMITS.text} characters`);
  }
  if (hello.connections.length > HELLO_LIMITS.connections) throw invalid(`Hello: at most ${HELLO_LIMITS.connections} connections`);
}

@Injectable()
export class TunnelAdmission {
  private readonly logger = new Logger('AgentTunnel');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane,
    @Inject(AgentRegistry) private readonly registry: AgentRegistry,
    @Inject(TunnelMetrics) private readonly metrics: TunnelMetrics,
  ) {}

  /** The Connect handler. The tunnel owns the call from here; a refusal ends it with a status. */
  handle(call: TunnelCall): void {
    const up = this.metrics.bytes.labels('up');
    const down = this.metrics.bytes.labels('down');
    const tunnel = new AgentTunnel(call, {
      heartbeatIntervalMs: this.config.tunnel.heartbeatIntervalMs,
      logger: this.logger,
      // Children looked up once: a labelled inc() per DATA frame showed in the profile.
      countBytes: (direction, bytes) => (direction === 'up' ? up : down).inc(bytes),
      onAlive: (alive) => this.recordSeen(alive.peer?.agentId),
      onClosed: (closed) => this.registry.remove(closed),
    });
    this.admit(tunnel, call.metadata).catch((error: unknown) => {
      if (!(error instanceof TunnelRefusal)) this.logger.error({ tunnelId: tunnel.id, err: error }, 'admitting an agent failed');
      const refusal = error instanceof TunnelRefusal ? error : new TunnelRefusal(status.INTERNAL, 'the gateway could not admit the agent');
      this.logger.log({ tunnelId: tunnel.id, code: status[refusal.code], why: refusal.message }, 'agent refused');
      tunnel.refuse(refusal);
    });
  }

  private async admit(tunnel: AgentTunnel, metadata: Metadata): Promise<void> {
    const token = bearerOf(metadata);
    // Listen for Hello while the token is looked up; it may already be on its way.
    const hello = tunnel.hello(HELLO_TIMEOUT_MS);
    hello.catch(() => undefined);
    const agent = await this.authenticate(token);
    const greeting = await hello;
    // The name is checked, not trusted: it does not say which agent this is, the token does.
    if (greeting.name !== agent.name) throw unauthenticated('the Hello name does not match the agent token');
    checkHello(greeting);
    const { assignments, welcome, refused } = await this.assign(agent, greeting.connections);
    if (this.registry.isRevoked(agent.id)) throw unauthenticated('the agent has been revoked');
    tunnel.accept(
      { agentId: agent.id, agentName: agent.name, agentGroup: agent.agentGroup, instanceId: greeting.instanceId, version: greeting.version, labels: { ...greeting.labels } },
      assignments,
      toAgent.welcome({ agentId: agent.id, gatewayId: this.config.tunnel.gatewayId, heartbeatIntervalMs: this.config.tunnel.heartbeatIntervalMs, connections: welcome, refused }),
    );
    // The tunnel may have closed meanwhile (the agent hung up): then it must not be registered.
    if (tunnel.state === 'ready') this.registry.add(tunnel);
    this.logger.log({ tunnelId: tunnel.id, agentId: agent.id, instanceId: greeting.instanceId, connections: assignments.map((a) => a.name), refused: refused.length }, 'agent tunnel ready');
    this.recordSeen(agent.id, greeting.version);
  }

  /** Best effort: a failed write must not refuse or drop a tunnel. */
  private recordSeen(agentId: string | undefined, version?: string): void {
    if (!agentId) return;
    this.controlPlane.agentSeen(agentId, version).catch((error: unknown) => this.logger.warn({ agentId, err: String(error) }, 'could not record lastSeenAt'));
  }

  private async authenticate(token: string): Promise<AgentRecord> {
    try {
      return await this.controlPlane.authenticateAgent(token);
    } catch (error) {
      if (error instanceof JitgateError && error.code === 'unauthenticated') throw unauthenticated(error.message);
      throw error;
    }
  }

  /** Connections of the agent's group that it named; the others are refused with why. */
  private async assign(agent: AgentRecord, names: string[]) {
    const unique = [...new Set(names)];
    const valid = unique.filter((name) => connectionName.safeParse(name).success);
    const found = new Map<string, Connection>((await this.controlPlane.connections(valid)).map((c) => [c.name, c]));
    const assignments: TunnelAssignment[] = [];
    const welcome: Array<{ name: string; type: string; settingsJson: string; credentialRef: string }> = [];
    const refused: Array<{ name: string; reason: string }> = [];
    const refuse = (name: string, reason: string) => refused.push({ name: name.slice(0, 100), reason });
    for (const name of unique) {
      const connection = found.get(name);
      if (!connection) refuse(name, 'no such connection');
      else if (connection.archivedAt) refuse(name, 'the connection is archived');
      else if (connection.agentGroup !== agent.agentGroup) refuse(name, `the connection is not served by agent group "${agent.agentGroup}"`);
      else {
        assignments.push({ connectionId: connection.id, name: connection.name, type: connection.type });
        welcome.push({
          name: connection.name,
          type: connection.type,
          settingsJson: JSON.stringify(connection.settings),
          credentialRef: connection.credentialRef ?? '',
        });
      }
    }
    return { assignments, welcome, refused };
  }
}
