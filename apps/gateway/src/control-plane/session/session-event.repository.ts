import { Inject, Injectable } from '@nestjs/common';
import type { SessionEvent } from '@jitgate/db';
import { PrismaService } from '../../platform/database/prisma.service.js';

/** Reads of session recordings; they are written by SessionEventWriter (batched, plain pool). */
@Injectable()
export class SessionEventRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  list(sessionId: string, filter: { afterSeq: number; limit: number; kind?: string }): Promise<SessionEvent[]> {
    return this.prisma.client.sessionEvent.findMany({
      where: { sessionId, seq: { gt: filter.afterSeq }, ...(filter.kind ? { kind: filter.kind } : {}) },
      orderBy: { seq: 'asc' },
      take: filter.limit,
    });
  }
}
