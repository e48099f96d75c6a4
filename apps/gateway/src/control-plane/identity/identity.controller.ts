import { Controller, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ApiZodQuery, NoBody, ValidBody, ValidQuery } from '../../platform/http/zod-validation.js';
import { presentIdentity } from './identity.presenter.js';
import {
  createIdentityBody,
  issueTokenBody,
  listIdentitiesQuery,
  updateIdentityBody,
  type CreateIdentityBody,
  type IssueTokenBody,
  type ListIdentitiesQuery,
  type UpdateIdentityBody,
} from './identity.schemas.js';
import { IdentityService } from './identity.service.js';
import { TokenService } from './token.service.js';

@ApiTags('identities')
@ApiBearerAuth()
@Controller('v1/identities')
export class IdentityController {
  constructor(
    @Inject(IdentityService) private readonly identities: IdentityService,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'The identity behind the bearer token' })
  async me(@CurrentPrincipal() caller: Principal) {
    return { ...presentIdentity(await this.identities.get(caller, caller.identityId)), isAdmin: caller.isAdmin, via: caller.via };
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List identities (admin)' })
  @ApiZodQuery(listIdentitiesQuery)
  async list(@ValidQuery(listIdentitiesQuery) query: ListIdentitiesQuery) {
    return { items: (await this.identities.list(query)).map(presentIdentity) };
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a local identity, e.g. a service identity for an AI agent or a CI job (admin)' })
  @ApiZodBody(createIdentityBody)
  async create(@CurrentPrincipal() caller: Principal, @ValidBody(createIdentityBody) body: CreateIdentityBody) {
    return presentIdentity(await this.identities.create(caller, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One identity (admins: any; others: themselves)' })
  async get(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return presentIdentity(await this.identities.get(caller, id));
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Change groups, attributes or display name, or disable an identity (admin); disabling ends its live sessions (liveSessions says how)' })
  @ApiZodBody(updateIdentityBody)
  async update(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(updateIdentityBody) body: UpdateIdentityBody) {
    const { identity, liveSessions } = await this.identities.update(caller, id, body);
    return { ...presentIdentity(identity), ...(liveSessions ? { liveSessions } : {}) };
  }

  @Post(':id/tokens')
  @AdminOnly()
  @ApiOperation({ summary: 'Issue a bearer token for a local identity (admin). The token is shown once.' })
  @ApiZodBody(issueTokenBody)
  async issueToken(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(issueTokenBody) body: IssueTokenBody) {
    const { token, metadata } = await this.tokens.issue(caller, id, body);
    return { token, ...metadata };
  }

  @Get(':id/tokens')
  @ApiOperation({ summary: 'List the tokens of an identity (admins, or the identity itself); never the token values' })
  async listTokens(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return { items: await this.tokens.list(caller, id) };
  }

  @Post(':id/tokens/:tokenId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a token (admins, or the identity itself); its live sessions end (liveSessions says how)' })
  async revokeToken(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @UuidParam('tokenId') tokenId: string, @NoBody() _body: unknown) {
    return this.tokens.revoke(caller, id, tokenId);
  }
}
