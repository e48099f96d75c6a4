import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@jitgate/db';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../platform/clock.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { GENESIS_HASH, hashEvent, verifyRun, type ChainBreak } from '../../platform/chain/hash-chain.js';
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
  /** Events recorded in a transaction and not yet appended. */
  private readonly pending = new WeakMap<Prisma.TransactionClient, AuditEntry[]>();

  constructor(
    @Inject(AuditRepository) private readonly repository: AuditRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(PrismaService) private readonly prisma: PrismaService,
  ) {
    prisma.onBeforeCommit((tx) => this.append(tx));
  }

  /**
   * Records one event in the caller's transaction: the change and its record commit together.
   * Nothing is written yet; the transaction's events are chained and inserted just before COMMIT.
   */
  async record(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
    // An event in a transaction whose hooks never run would be lost without a trace.
    if (!this.prisma.isManaged(tx)) throw new Error('audit events must be recorded inside PrismaService.transaction()');
    const events = this.pending.get(tx);
    if (events) events.push(entry);
    else this.pending.set(tx, [entry]);
  }

  /**
   * Takes the chain lock as late as possible, so it is held for three round trips (head, one
   * INSERT of all the events, COMMIT) instead of three per event: the lock serialises every
   * audited write of the deployment, so its hold time caps their throughput (bench/README.md).
   * The events' time is read under the lock, so `at` never goes backwards along `seq`.
   */
  private async append(tx: Prisma.TransactionClient): Promise<void> {
    const entries = this.pending.get(tx);
    if (!entries?.length) return;
    this.pending.delete(tx);
    let prevHash = (await this.repository.lockChainHead(tx)) ?? GENESIS_HASH;
    const at = this.clock.now();
    const rows = entries.map((entry) => {
      const event = {
        id: randomUUID(),
        at,
        actorId: entry.actor.id,
        actorKind: entry.actor.kind,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        details: entry.details ?? {},
      };
      const row = { ...event, prevHash, hash: hashEvent(prevHash, event) };
      prevHash = row.hash;
      return row;
    });
    await this.repository.insertMany(tx, rows);
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
        // The head is the last event that verified, not the end of the last whole page before the
        // break (which depended on VERIFY_PAGE). test/integration/audit-integrity.test.ts.
        const lastGood = brokenIndex > 0 ? page[brokenIndex - 1] : undefined;
        if (lastGood) head = { seq: lastGood.seq.toString(), hash: lastGood.hash };
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
