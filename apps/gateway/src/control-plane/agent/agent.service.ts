import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { conflict, JitgateError, notFound } from '../../platform/errors/jitgate.error.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { AccessEndsStream } from '../../port/access-ends.stream.js';
import { AgentInstances, type AgentInstanceView } from '../../port/agent-instances.js';
import { AgentRepository, type PublicAgent } from './agent.repository.js';
import type { ListAgentsQuery, RegisterAgentBody } from './agent.schemas.js';
import { AgentTokenCrypto } from './agent-token.js';

export interface AgentWithInstances {
  agent: PublicAgent;
  /** Its tunnels on every replica (those of a replica that stopped reporting lapse). */
  instances: AgentInstanceView[];
}

const unauthenticated = (message: string) => new JitgateError('unauthenticated', message);

@Injectable()
export class AgentService {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AgentRepository) private readonly agents: AgentRepository,
    @Inject(AgentTokenCrypto) private readonly crypto: AgentTokenCrypto,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AgentInstances) private readonly instances: AgentInstances,
    @Inject(AccessEndsStream) private readonly ends: AccessEndsStream,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Registers an agent. The clear token is returned here, once, and never stored. */
  async register(caller: Principal, body: RegisterAgentBody): Promise<{ token: string; agent: PublicAgent }> {
    const token = this.crypto.generate();
    const agent = await this.prisma.transaction(async (tx) => {
      if (await this.agents.findByName(body.name, tx)) throw conflict(`an agent named "${body.name}" already exists`);
      const created = await this.agents.create(tx, {
        name: body.name,
        agentGroup: body.agentGroup,
        tokenHash: this.crypto.hash(token),
        prefix: this.crypto.displayPrefix(token),
        labels: body.labels,
        createdById: caller.identityId,
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'agent.registered',
        targetType: 'agent',
        targetId: created.id,
        details: { name: created.name, agentGroup: created.agentGroup, prefix: created.prefix, labels: body.labels },
      });
      return created;
    });
    return { token, agent };
  }

  async list(query: ListAgentsQuery): Promise<AgentWithInstances[]> {
    const agents = await this.agents.list({ group: query.group, includeRevoked: query.includeRevoked, afterId: query.after, limit: query.limit });
    return Promise.all(agents.map(async (agent) => ({ agent, instances: await this.instances.list(agent.id) })));
  }

  async get(id: string): Promise<AgentWithInstances> {
    const agent = await this.agents.findById(id);
    if (!agent) throw notFound('agent', id);
    return { agent, instances: await this.instances.list(agent.id) };
  }

  /**
   * Revokes the token and closes the agent's tunnels (and their sessions) on every replica, by
   * the access-ends stream (this replica at once). Revoking twice changes nothing.
   */
  async revoke(caller: Principal, id: string, reason: string): Promise<AgentWithInstances> {
    const now = this.clock.now();
    const { agent, changed } = await this.prisma.transaction(async (tx) => {
      const existing = await this.agents.findById(id, tx);
      if (!existing) throw notFound('agent', id);
      if (!(await this.agents.revoke(tx, id, now))) return { agent: existing, changed: false };
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'agent.revoked',
        targetType: 'agent',
        targetId: id,
        details: { name: existing.name, prefix: existing.prefix, reason: reason || 'revoked by an admin' },
      });
      return { agent: { ...existing, revokedAt: now }, changed: true };
    });
    // The revocation is committed: no replica admits the token again. A replica that misses the
    // message keeps its tunnels until they reconnect.
    if (changed) await this.ends.publish({ type: 'agent.revoked', agentId: id, revokedBy: caller.identityId });
    return { agent, instances: await this.instances.list(id) };
  }

  /** The tunnel's check of `authorization: Bearer jga_…`. */
  async authenticate(token: string): Promise<PublicAgent> {
    if (!this.crypto.looksLikeAgentToken(token)) throw unauthenticated('not an agent token');
    const agent = await this.agents.findByTokenHash(this.crypto.hash(token));
    if (!agent) throw unauthenticated('the agent token is not valid');
    if (agent.revokedAt) throw unauthenticated('the agent has been revoked');
    return agent;
  }

  /** Best effort: a failed write must not refuse or drop a tunnel. */
  recordSeen(id: string, version?: string): Promise<void> {
    return this.agents.recordSeen(id, this.clock.now(), version);
  }
}
