import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parsePolicyFile, PolicyError } from '@jitgate/policy';
import { readFile } from 'node:fs/promises';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { AuditService } from '../audit/audit.service.js';
import { canonicalJson } from '../../platform/chain/hash-chain.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { PolicyRepository } from './policy.repository.js';
import { PolicyService, toJson } from './policy.service.js';

export class PolicyFileError extends Error {}

/**
 * GitOps: with JITGATE_POLICY_FILE set, the file is the source of truth for the policies it
 * names. At start they are created or replaced, file policies no longer in the file are
 * deleted, and the API refuses to edit them. A bad file stops the start: running with half a
 * policy set would be worse than not running.
 */
@Injectable()
export class PolicyFileLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('PolicyFileLoader');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(PolicyRepository) private readonly policies: PolicyRepository,
    @Inject(PolicyService) private readonly policyService: PolicyService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const path = this.config.access.policyFile;
    if (!path) return;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new PolicyFileError(`cannot read the policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let parsed;
    try {
      parsed = parsePolicyFile(text);
    } catch (error) {
      if (error instanceof PolicyError) {
        throw new PolicyFileError(`the policy file ${path} is not valid: ${error.message} ${JSON.stringify(error.details ?? '')}`);
      }
      throw error;
    }
    const summary = await this.prisma.transaction(async (tx) => {
      await this.policies.lockForChanges(tx);
      const existing = await this.policies.list(tx);
      const byName = new Map(existing.map((p) => [p.name, p]));
      const changed: string[] = [];
      for (const entry of parsed) {
        const current = byName.get(entry.name);
        if (current && current.source !== 'file') {
          throw new PolicyFileError(`policy "${entry.name}" exists and was created through the API; rename one of them`);
        }
        const document = toJson(entry.document);
        if (!current) {
          const created = await this.policies.create(tx, { name: entry.name, description: entry.description, source: 'file', document });
          await this.policyService.recordChange(tx, SYSTEM_ACTOR, 'policy.created', created);
          changed.push(entry.name);
        } else if (canonicalJson(current.document) !== canonicalJson(document) || current.description !== entry.description) {
          const replaced = await this.policies.replace(tx, current.id, { description: entry.description, document });
          await this.policyService.recordChange(tx, SYSTEM_ACTOR, 'policy.updated', replaced);
          changed.push(entry.name);
        }
      }
      const inFile = new Set(parsed.map((p) => p.name));
      const removed = existing.filter((p) => p.source === 'file' && !inFile.has(p.name));
      for (const policy of removed) {
        await this.policies.delete(tx, policy.id);
        await this.policyService.recordChange(tx, SYSTEM_ACTOR, 'policy.deleted', policy);
      }
      if (changed.length > 0 || removed.length > 0) {
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: 'policy.loaded_from_file',
          targetType: 'policy',
          targetId: null,
          details: { file: path, policies: [...inFile], changed, removed: removed.map((p) => p.name) },
        });
      }
      return { total: parsed.length, changed: changed.length, removed: removed.length };
    });
    this.logger.log({ file: path, ...summary }, 'policy file loaded');
  }
}
