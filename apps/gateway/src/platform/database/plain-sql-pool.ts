import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { boundedPoolOptions } from '@jitgate/db';
import pg from 'pg';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * The second database pool: plain node-postgres, no ORM, for the fixed reads every data-path
 * call makes (the token lookup, the grant check, the periodic check of the live sessions in
 * data-plane/live/session-standing.repository.ts) and the batched session-event writes. Through
 * Prisma each read cost about 0.4 ms of gateway CPU on top of the round trip, which capped the
 * REST path (bench/README.md); these statements are fixed and parameterised, so they lose
 * nothing by skipping the ORM. Everything else goes through Prisma (`prisma.service.ts`).
 */
@Injectable()
export class PlainSqlPool implements OnApplicationShutdown {
  private readonly pool: pg.Pool;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, @Optional() @Inject(MetricsService) metrics?: MetricsService) {
    this.pool = new pg.Pool({ connectionString: config.database.url, max: config.database.poolSize, ...boundedPoolOptions(config.database.timeoutMs) });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    metrics?.watchPool('plain', this.pool);
  }

  async rows<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
