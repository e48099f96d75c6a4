import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ApiZodQuery, ValidBody, ValidQuery } from '../../platform/http/zod-validation.js';
import { presentGrant } from './grant.presenter.js';
import { endGrantBody, grantCheckQuery, listGrantsQuery, type EndGrantBody, type GrantCheckQuery, type ListGrantsQuery } from './grant.schemas.js';
import { GrantService } from './grant.service.js';

@ApiTags('grants')
@ApiBearerAuth()
@Controller('v1/grants')
export class GrantController {
  constructor(
    @Inject(GrantService) private readonly grants: GrantService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: "List grants: yours, or everyone's with view=all (admins, auditors); active=true for those in force now" })
  @ApiZodQuery(listGrantsQuery)
  async list(@CurrentPrincipal() caller: Principal, @ValidQuery(listGrantsQuery) query: ListGrantsQuery) {
    const now = this.clock.now();
    return { items: (await this.grants.list(caller, query)).map((g) => presentGrant(g, now)) };
  }

  @Get('check')
  @ApiOperation({ summary: 'May this identity use the connection now, and with which scope?' })
  @ApiZodQuery(grantCheckQuery)
  async check(@CurrentPrincipal() caller: Principal, @ValidQuery(grantCheckQuery) query: GrantCheckQuery) {
    const result = await this.grants.checkFor(caller, query);
    return {
      allowed: result.allowed,
      grantId: result.grant?.id ?? null,
      scope: result.grant?.scope ?? null,
      expiresAt: result.grant?.expiresAt ?? null,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One grant (its holder, admins, auditors)' })
  async get(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return presentGrant(await this.grants.get(caller, id), this.clock.now());
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'End a grant now (admin). liveSessions says whether every replica was told at once and by when its live sessions end' })
  @ApiZodBody(endGrantBody)
  async revoke(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(endGrantBody) body: EndGrantBody) {
    const { grant, liveSessions } = await this.grants.revoke(caller, id, body.reason);
    return { ...presentGrant(grant, this.clock.now()), liveSessions };
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give a grant back when the task is done (its holder). liveSessions: as for revoke' })
  @ApiZodBody(endGrantBody)
  async release(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(endGrantBody) body: EndGrantBody) {
    const { grant, liveSessions } = await this.grants.release(caller, id, body.reason);
    return { ...presentGrant(grant, this.clock.now()), liveSessions };
  }
}
