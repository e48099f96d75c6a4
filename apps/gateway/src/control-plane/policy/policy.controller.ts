import { Controller, Delete, Get, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Policy } from '@jitgate/db';
import { AdminOnly, AuditorOrAdmin, CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../../port/principal.js';
import { UuidParam } from '../../platform/http/uuid-param.js';
import { ApiZodBody, ValidBody } from '../../platform/http/zod-validation.js';
import { createPolicyBody, replacePolicyBody, type CreatePolicyBody, type ReplacePolicyBody } from './policy.schemas.js';
import { PolicyService } from './policy.service.js';

function present(policy: Policy) {
  const document = policy.document as { rules?: unknown[]; guardrails?: unknown[] };
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    source: policy.source,
    version: policy.version,
    rules: document.rules ?? [],
    guardrails: document.guardrails ?? [],
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
  };
}

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PolicyController {
  constructor(@Inject(PolicyService) private readonly policies: PolicyService) {}

  @Get()
  @AuditorOrAdmin()
  @ApiOperation({ summary: 'List policies (admins, auditors)' })
  async list() {
    return { items: (await this.policies.list()).map(present) };
  }

  @Get(':id')
  @AuditorOrAdmin()
  @ApiOperation({ summary: 'One policy (admins, auditors)' })
  async get(@UuidParam('id') id: string) {
    return present(await this.policies.get(id));
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a policy (admin). Rules: see docs/policies.md' })
  @ApiZodBody(createPolicyBody)
  async create(@CurrentPrincipal() caller: Principal, @ValidBody(createPolicyBody) body: CreatePolicyBody) {
    return present(await this.policies.create(caller, body));
  }

  @Put(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Replace the rules of a policy (admin); refused for policies from the policy file' })
  @ApiZodBody(replacePolicyBody)
  async replace(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string, @ValidBody(replacePolicyBody) body: ReplacePolicyBody) {
    return present(await this.policies.replace(caller, id, body));
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Delete a policy (admin); refused for policies from the policy file' })
  async delete(@CurrentPrincipal() caller: Principal, @UuidParam('id') id: string) {
    return present(await this.policies.delete(caller, id));
  }
}
