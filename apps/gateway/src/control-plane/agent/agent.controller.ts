import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, AuditorOrAdmin, CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ApiZodQuery, ValidBody, ValidQuery } from '../../platform/http/zod-validation.js';
import { presentAgent } from './agent.presenter.js';
import { listAgentsQuery, registerAgentBody, revokeAgentBody, type ListAgentsQuery, type RegisterAgentBody, type RevokeAgentBody } from './agent.schemas.js';
import { AgentService } from './agent.service.js';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/agents')
export class AgentController {
  constructor(@Inject(AgentService) private readonly agents: AgentService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Register an agent (admin). Its token (jga_…) is in this answer only.' })
  @ApiZodBody(registerAgentBody)
  async register(@CurrentPrincipal() caller: Principal, @ValidBody(registerAgentBody) body: RegisterAgentBody) {
    const { token, agent } = await this.agents.register(caller, body);
    return { token, ...presentAgent({ agent, instances: [] }) };
  }

  @Get()
  @AuditorOrAdmin()
  @ApiOperation({
    summary: 'List agents (admins, auditors). connected and instances are the tunnels to THIS gateway replica; lastSeenAt is across replicas.',
  })
  @ApiZodQuery(listAgentsQuery)
  async list(@ValidQuery(listAgentsQuery) query: ListAgentsQuery) {
    const items = (await this.agents.list(query)).map(presentAgent);
    return { items, next: items.length === query.limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  @Get(':id')
  @AuditorOrAdmin()
  @ApiOperation({ summary: 'One agent, with its tunnels to this replica (admins, auditors)' })
  async get(@UuidParam('id') id: string) {
    return presentAgent(await this.agents.get(id));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Revoke an agent (admin): its token stops working and its tunnels and sessions close on every replica' })
  @ApiZodBody(revokeAgentBody)
  async revoke(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(revokeAgentBody) body: RevokeAgentBody) {
    return presentAgent(await this.agents.revoke(caller, id, body.reason));
  }
}
