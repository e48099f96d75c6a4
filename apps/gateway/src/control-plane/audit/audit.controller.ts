import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AuditorOrAdmin } from '../auth/auth.decorators.js';
import { ApiZodQuery, ValidQuery } from '../../platform/http/zod-validation.js';
import type { StoredEvent } from '../../platform/chain/hash-chain.js';
import { AuditService } from './audit.service.js';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from './audit.types.js';

const listAuditQuery = z
  .object({
    actor: z.string().max(128).optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
    target: z.string().max(128).optional(),
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    /** Page on: the `seq` of the last event of the previous page. */
    after: z
      .string()
      .regex(/^\d{1,18}$/)
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
type ListAuditQuery = z.output<typeof listAuditQuery>;

function present(event: StoredEvent) {
  return {
    seq: event.seq.toString(),
    id: event.id,
    at: event.at,
    actorId: event.actorId,
    actorKind: event.actorKind,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    details: event.details,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

@ApiTags('audit')
@ApiBearerAuth()
@AuditorOrAdmin()
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events in order, filtered by actor, action, target and time (admins, auditors)' })
  @ApiZodQuery(listAuditQuery)
  async list(@ValidQuery(listAuditQuery) query: ListAuditQuery) {
    const events = await this.audit.find({
      actorId: query.actor,
      action: query.action,
      targetType: query.targetType,
      targetId: query.target,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      afterSeq: query.after ? BigInt(query.after) : undefined,
      limit: query.limit,
    });
    const items = events.map(present);
    return { items, next: items.length === query.limit ? items[items.length - 1]!.seq : null };
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain; reports the first edited, inserted or deleted event (admins, auditors)' })
  async verify() {
    return this.audit.verify();
  }
}
