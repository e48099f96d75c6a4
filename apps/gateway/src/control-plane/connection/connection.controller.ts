import { Controller, Delete, Get, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ApiZodQuery, ValidBody, ValidQuery } from '../../platform/http/zod-validation.js';
import { presentConnection } from './connection.presenter.js';
import { createConnectionBody, listConnectionsQuery, updateConnectionBody, type CreateConnectionBody, type ListConnectionsQuery, type UpdateConnectionBody } from './connection.schemas.js';
import { ConnectionService } from './connection.service.js';

@ApiTags('connections')
@ApiBearerAuth()
@Controller('v1/connections')
export class ConnectionController {
  constructor(@Inject(ConnectionService) private readonly connections: ConnectionService) {}

  @Get()
  @ApiOperation({ summary: 'List connections (any authenticated identity: requesters need the names)' })
  @ApiZodQuery(listConnectionsQuery)
  async list(@ValidQuery(listConnectionsQuery) query: ListConnectionsQuery) {
    return { items: (await this.connections.list(query)).map(presentConnection) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection' })
  async get(@UuidParam('id') id: string) {
    return presentConnection(await this.connections.get(id));
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Register a target (admin). credentialRef names a credential the agent holds, never the credential.' })
  @ApiZodBody(createConnectionBody)
  async create(@CurrentPrincipal() caller: Principal, @ValidBody(createConnectionBody) body: CreateConnectionBody) {
    return presentConnection(await this.connections.create(caller, body));
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Change a connection (admin); its name and type are fixed' })
  @ApiZodBody(updateConnectionBody)
  async update(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(updateConnectionBody) body: UpdateConnectionBody) {
    return presentConnection(await this.connections.update(caller, id, body));
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Archive a connection (admin); refused while it has active grants' })
  async archive(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return presentConnection(await this.connections.archive(caller, id));
  }
}
