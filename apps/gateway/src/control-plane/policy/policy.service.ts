import { Inject, Injectable } from '@nestjs/common';
import type { Policy, Prisma } from '@jitgate/db';
import { compilePolicies, parsePolicyDocument, PolicyError, type CompiledPolicies, type PolicyDocument } from '@jitgate/policy';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../audit/audit.types.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { conflict, JitgateError, notFound } from '../../platform/errors/jitgate.error.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { PolicyRepository } from './policy.repository.js';
import type { CreatePolicyBody, ReplacePolicyBody } from './policy.schemas.js';

const FINGERPRINT_TTL_MS = 1000;

export function validateDocument(rules: unknown[], guardrails?: unknown[]): PolicyDocument {
  try {
    return parsePolicyDocument(guardrails === undefined ? { rules } : { rules, guardrails });
  } catch (error) {
    if (error instanceof PolicyError) {
      throw new JitgateError('validation_failed', `the policy is not valid: ${error.message}`, { issues: error.details ?? [] });
    }
    throw error;
  }
}

@Injectable()
export class PolicyService {
  private cache: { fingerprint: string; compiled: CompiledPolicies; checkedAt: number } | null = null;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(PolicyRepository) private readonly policies: PolicyRepository,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /**
   * The compiled rules of every policy; recompiled only when the policies table changed. The
   * table's fingerprint is read at most once a second: a change made through this replica applies
   * at once (it drops the cache), a change made through another one within a second.
   */
  async compiled(): Promise<CompiledPolicies> {
    const now = Date.now();
    if (this.cache && now - this.cache.checkedAt < FINGERPRINT_TTL_MS) return this.cache.compiled;
    const fingerprint = await this.policies.fingerprint();
    if (this.cache?.fingerprint === fingerprint) {
      this.cache.checkedAt = now;
      return this.cache.compiled;
    }
    const rows = await this.policies.list();
    const compiled = compilePolicies(rows.map((row) => ({ name: row.name, document: row.document as unknown as PolicyDocument })));
    this.cache = { fingerprint, compiled, checkedAt: now };
    return compiled;
  }

  /** After a change through this replica. */
  private invalidate(): void {
    this.cache = null;
  }

  list(): Promise<Policy[]> {
    return this.policies.list();
  }

  async get(id: string): Promise<Policy> {
    const policy = await this.policies.findById(id);
    if (!policy) throw notFound('policy', id);
    return policy;
  }

  async create(caller: Principal, body: CreatePolicyBody): Promise<Policy> {
    const document = validateDocument(body.rules, body.guardrails);
    return this.prisma
      .transaction(async (tx) => {
        await this.policies.lockForChanges(tx);
        if (await this.policies.findByName(body.name, tx)) throw conflict(`a policy named "${body.name}" already exists`);
        const policy = await this.policies.create(tx, { name: body.name, description: body.description, source: 'api', document: toJson(document) });
        await this.recordChange(tx, actorOf(caller), 'policy.created', policy);
        return policy;
      })
      .finally(() => this.invalidate());
  }

  async replace(caller: Principal, id: string, body: ReplacePolicyBody): Promise<Policy> {
    const document = validateDocument(body.rules, body.guardrails);
    return this.prisma
      .transaction(async (tx) => {
        await this.policies.lockForChanges(tx);
        const existing = await this.editable(tx, id);
        const policy = await this.policies.replace(tx, existing.id, { description: body.description, document: toJson(document) });
        await this.recordChange(tx, actorOf(caller), 'policy.updated', policy);
        return policy;
      })
      .finally(() => this.invalidate());
  }

  async delete(caller: Principal, id: string): Promise<Policy> {
    return this.prisma
      .transaction(async (tx) => {
        await this.policies.lockForChanges(tx);
        const existing = await this.editable(tx, id);
        await this.policies.delete(tx, existing.id);
        await this.recordChange(tx, actorOf(caller), 'policy.deleted', existing);
        return existing;
      })
      .finally(() => this.invalidate());
  }

  private async editable(tx: Prisma.TransactionClient, id: string): Promise<Policy> {
    const existing = await this.policies.findById(id, tx);
    if (!existing) throw notFound('policy', id);
    if (existing.source === 'file') {
      throw conflict(`policy "${existing.name}" is loaded from the policy file; change it there`, { source: 'file' });
    }
    return existing;
  }

  async recordChange(tx: Prisma.TransactionClient, actor: AuditActor, action: 'policy.created' | 'policy.updated' | 'policy.deleted', policy: Policy): Promise<void> {
    await this.audit.record(tx, {
      actor,
      action,
      targetType: 'policy',
      targetId: policy.id,
      details: { name: policy.name, version: policy.version, source: policy.source, document: policy.document },
    });
  }
}

export function toJson(document: PolicyDocument): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(document)) as Prisma.InputJsonValue;
}
