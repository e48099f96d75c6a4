// node-postgres for the suites that read or write the database directly (rows the gateway wrote,
// triggers, tampering). It is a dependency of @jitgate/db, not of the gateway: resolve it from
// there, so the suites use the same driver as the gateway's adapter, without Prisma.
import { createRequire } from 'node:module';

/** The part of node-postgres the suites use. */
export interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  end(): Promise<void>;
}

/** What node-postgres rejects a statement with: `code` is the SQLSTATE. */
export interface PgError extends Error {
  code?: string;
}

type PgModule = { Client: new (config: { connectionString: string }) => PgClient };

const requireFromDb = createRequire(createRequire(import.meta.url).resolve('@jitgate/db'));
const pg = requireFromDb('pg') as PgModule;

/** A connected client of its own; the caller ends it. */
export async function connectPg(databaseUrl: string): Promise<PgClient> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** Runs one query on its own connection and returns the rows. */
export async function queryDatabase<R = Record<string, unknown>>(databaseUrl: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = await connectPg(databaseUrl);
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
