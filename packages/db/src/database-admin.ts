// Creating and dropping databases: used by `pnpm dev` (first start) and by the test suites,
// which each get a database of their own.
import pg from 'pg';

function adminUrl(databaseUrl: string): { admin: string; name: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`database name "${name}" must be letters, digits and underscores only`);
  }
  url.pathname = '/postgres';
  return { admin: url.toString(), name };
}

async function withAdmin<T>(databaseUrl: string, fn: (client: pg.Client, name: string) => Promise<T>): Promise<T> {
  const { admin, name } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    return await fn(client, name);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `databaseUrl` unless it exists. Returns true if it created it. */
export async function createDatabaseIfMissing(databaseUrl: string, template?: string): Promise<boolean> {
  return withAdmin(databaseUrl, async (client, name) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    const from = template ? ` TEMPLATE "${template.replace(/"/g, '')}"` : '';
    await client.query(`CREATE DATABASE "${name}"${from}`);
    return true;
  });
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withAdmin(databaseUrl, async (client, name) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
