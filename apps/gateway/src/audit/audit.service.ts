import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@jitgate/db';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { GENESIS_HASH, hashEvent, verifyRun, type ChainBreak } from './audit-chain.js';
import { AuditRepository, type AuditQuery } from './audit.repository.js';
import type { AuditEntry } from './audit.types.js';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  head: { seq: string; hash: string } | null;
  firstBreak?: ChainBreak;
}

const VERIFY_PAGE = 2000;

@Injectable()
export class AuditService {
  constructor(
    @Inject(AuditRepository) private readonly repository: AuditRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Appends one event inside the caller's transaction: the change and its record commit together. */
  async record(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
    const prevHash = (await this.repository.lockChainHead(tx)) ?? GENESIS_HASH;
    const event = {
      id: randomUUID(),
      at: this.clock.now(),
      actorId: entry.actor.id,
      actorKind: entry.actor.kind,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      details: entry.details ?? {},
    };
    await this.repository.insert(tx, { ...event, prevHash, hash: hashEvent(prevHash, event) });
  }

  find(query: AuditQuery) {
    return this.repository.find(query);
  }

  /** Walks the whole chain in order and reports the first edited, inserted or deleted row. */
  async verify(): Promise<VerifyResult> {
    let expectedPrev = GENESIS_HASH;
    let afterSeq: bigint | null = null;
    let checked = 0;
    let head: VerifyResult['head'] = null;
    for (;;) {
      const page = await this.repository.page(afterSeq, VERIFY_PAGE);
      if (page.length === 0) break;
      const run = verifyRun(expectedPrev, page);
      if (run.broken) {
        const brokenIndex = page.findIndex((e) => e.seq.toString() === run.broken?.seq);
        return { ok: false, checked: checked + brokenIndex, head, firstBreak: run.broken };
      }
      checked += page.length;
      const last = page[page.length - 1]!;
      head = { seq: last.seq.toString(), hash: last.hash };
      expectedPrev = run.lastHash;
      afterSeq = last.seq;
    }
    return { ok: true, checked, head };
  }
}
