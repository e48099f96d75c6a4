import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createAccessRequestBody, type CreateAccessRequestBody } from '@jitgate/contracts';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ApiZodQuery, NoBody, ValidBody, ValidQuery } from '../../platform/http/zod-validation.js';
import { AccessRequestDecisionService } from './access-request-decision.service.js';
import { presentAccessRequest } from './access-request.presenter.js';
import { decisionBody, listAccessRequestsQuery, type DecisionBody, type ListAccessRequestsQuery } from './access-request.schemas.js';
import { AccessRequestService } from './access-request.service.js';

@ApiTags('access-requests')
@ApiBearerAuth()
@Controller('v1/access-requests')
export class AccessRequestController {
  constructor(
    @Inject(AccessRequestService) private readonly requests: AccessRequestService,
    @Inject(AccessRequestDecisionService) private readonly decisions: AccessRequestDecisionService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Ask for access to a connection. Policy decides at once: status approved (with its grant), pending, or denied (with the rule).',
  })
  @ApiZodBody(createAccessRequestBody)
  async create(@CurrentPrincipal() caller: Principal, @ValidBody(createAccessRequestBody) body: CreateAccessRequestBody) {
    return presentAccessRequest(await this.requests.create(caller, body));
  }

  @Get()
  @ApiOperation({ summary: 'status=pending: the requests you may decide (your queue); otherwise your own requests; view=all for admins and auditors' })
  @ApiZodQuery(listAccessRequestsQuery)
  async list(@CurrentPrincipal() caller: Principal, @ValidQuery(listAccessRequestsQuery) query: ListAccessRequestsQuery) {
    return { items: (await this.requests.list(caller, query)).map(presentAccessRequest) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One request (its requester, its approvers, admins, auditors)' })
  async get(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return presentAccessRequest(await this.requests.get(caller, id));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve (a human in the approver groups, not the requester); the last approval needed creates the grant' })
  @ApiZodBody(decisionBody)
  async approve(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(decisionBody) body: DecisionBody) {
    return presentAccessRequest(await this.decisions.approve(caller, id, body.comment));
  }

  @Post(':id/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny (a human in the approver groups, not the requester)' })
  @ApiZodBody(decisionBody)
  async deny(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(decisionBody) body: DecisionBody) {
    return presentAccessRequest(await this.decisions.deny(caller, id, body.comment));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw your own pending request' })
  async cancel(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @NoBody() _body: unknown) {
    return presentAccessRequest(await this.requests.cancel(caller, id));
  }
}
