import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface PrismaClientOptions {
  databaseUrl: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** The longest one connect, one wait for a pooled connection or one query may take (ms); none when unset. */
  timeoutMs?: number;
  /** A pool of the caller's (which then owns it: ends it, reads its counts); the options above then go unused. */
  pool?: pg.Pool;
}

export function createPrismaClient(options: PrismaClientOptions): PrismaClient {
  const adapter = new PrismaPg(options.pool ?? { connectionString: options.databaseUrl, max: options.poolSize ?? 10, ...boundedPoolOptions(options.timeoutMs) });
  return new PrismaClient({ adapter });
}

/**
 * node-postgres pool options that bound every wait on the database by `timeoutMs`: a connect, a
 * wait for a free connection, a query's answer (client side, so that a frozen server or a
 * silent network cannot hold a caller), and TCP keepalive so that a connection to a server gone
 * silent is dropped rather than kept. Shared by Prisma's pool and the gateway's plain pool.
 */
export function boundedPoolOptions(timeoutMs: number | undefined): { connectionTimeoutMillis?: number; query_timeout?: number; keepAlive: boolean; keepAliveInitialDelayMillis: number } {
  return {
    ...(timeoutMs ? { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}
