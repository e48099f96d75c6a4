import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createPrismaClient, type Prisma, type PrismaClient } from '@jitgate/db';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';

/** A client or a transaction: repositories accept either, so services can compose them in one tx. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Owns the Prisma client. Only repositories and the transaction runner use it. */
@Injectable()
export class PrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.client = createPrismaClient({ databaseUrl: config.database.url, poolSize: config.database.poolSize });
  }

  /**
   * Runs `fn` in one transaction. Callers pass `tx` to every repository, make no network calls
   * inside, and enqueue jobs only after it returns (see STYLE.md).
   */
  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.client.$transaction(fn, { maxWait: 5_000, timeout: 15_000 });
  }

  async ping(): Promise<void> {
    await this.client.$queryRaw`SELECT 1`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
