import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { boundedPoolOptions, createPrismaClient, type Prisma, type PrismaClient } from '@jitgate/db';
import pg from 'pg';
import { MetricsService } from '../metrics/metrics.service.js';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';

/** A client or a transaction: repositories accept either, so services can compose them in one tx. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Work that runs last inside a transaction, just before COMMIT. */
export type BeforeCommit = (tx: Prisma.TransactionClient) => Promise<void>;

/** Owns the Prisma client. Only repositories and the transaction runner use it. */
@Injectable()
export class PrismaService implements OnApplicationShutdown {
  readonly client: PrismaClient;
  /** Prisma's pool, ours so that its counts are metrics (jitgate_db_pool_connections{pool="prisma"}). */
  private readonly pool: pg.Pool;
  private readonly beforeCommit: BeforeCommit[] = [];
  /** Transactions opened by transaction(): only they run the before-commit hooks. */
  private readonly managed = new WeakSet<Prisma.TransactionClient>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, @Inject(MetricsService) metrics: MetricsService) {
    this.pool = new pg.Pool({ connectionString: config.database.url, max: config.database.poolSize, ...boundedPoolOptions(config.database.timeoutMs) });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    metrics.watchPool('prisma', this.pool);
    this.client = createPrismaClient({ databaseUrl: config.database.url, pool: this.pool });
  }

  /**
   * Runs `fn` in one transaction. Callers pass `tx` to every repository, make no network calls
   * inside, and enqueue jobs only after it returns (see STYLE.md).
   */
  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.client.$transaction(
      async (tx) => {
        this.managed.add(tx);
        const result = await fn(tx);
        for (const hook of this.beforeCommit) await hook(tx);
        return result;
      },
      { maxWait: 5_000, timeout: 15_000 },
    );
  }

  /** Registers work every transaction does last (the audit chain's append: AuditService). */
  onBeforeCommit(hook: BeforeCommit): void {
    this.beforeCommit.push(hook);
  }

  /** Whether `tx` came from transaction(), so that its before-commit hooks will run. */
  isManaged(tx: Prisma.TransactionClient): boolean {
    return this.managed.has(tx);
  }

  async ping(): Promise<void> {
    await this.client.$queryRaw`SELECT 1`;
  }

  /**
   * Last, after every onModuleDestroy: Nest runs those of one module concurrently, and the ones
   * that finish work (job workers, the data plane recording the end of its sessions) still write.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
    await this.pool.end();
  }
}
