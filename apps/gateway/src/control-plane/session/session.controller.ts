import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodQuery, ValidQuery } from '../../platform/http/zod-validation.js';
import { presentSession, presentSessionEvent } from './session.presenter.js';
import { listSessionEventsQuery, listSessionsQuery, type ListSessionEventsQuery, type ListSessionsQuery } from './session.schemas.js';
import { SessionService } from './session.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class SessionController {
  constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

  @Get()
  @ApiOperation({ summary: "List sessions, newest first: yours, or everyone's with view=all (admins, auditors); active=true for open ones" })
  @ApiZodQuery(listSessionsQuery)
  async list(@CurrentPrincipal() caller: Principal, @ValidQuery(listSessionsQuery) query: ListSessionsQuery) {
    const items = (await this.sessions.list(caller, query)).map(presentSession);
    return { items, next: items.length === query.limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session (its identity, admins, auditors)' })
  async get(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return presentSession(await this.sessions.get(caller, id));
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'What happened in a postgres session, in order: statements with their outcome, blocks, approvals, notices' })
  @ApiZodQuery(listSessionEventsQuery)
  async events(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidQuery(listSessionEventsQuery) query: ListSessionEventsQuery) {
    const items = (await this.sessions.events(caller, id, query)).map(presentSessionEvent);
    return { items, next: items.length === query.limit ? (items[items.length - 1]?.seq ?? null) : null };
  }

  @Get(':id/events/verify')
  @ApiOperation({ summary: "Re-computes the recording's hash chain and compares it with the head recorded at close (and in the audit log)" })
  async verifyEvents(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return this.sessions.verifyEvents(caller, id);
  }
}
