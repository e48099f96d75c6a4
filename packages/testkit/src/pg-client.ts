// node-postgres for the suites that read or write the database directly (rows the gateway wrote,
// triggers, tampering): the same driver, at the same version, as @jitgate/db's adapter, without
// Prisma.
import pg from 'pg';

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

// node-postgres typed as the part above (its own types bound a row type to QueryResultRow).
const { Client } = pg as unknown as { Client: new (config: { connectionString: string }) => PgClient };

/** A connected client of its own; the caller ends it. */
export async function connectPg(databaseUrl: string): Promise<PgClient> {
  const client = new Client({ connectionString: databaseUrl });
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
