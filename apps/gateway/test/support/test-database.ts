// A database of its own for each suite, migrated. Kept tiny on purpose: @jitgate/devenv will
// provide the template-database fast path.
import { applyMigrations, createDatabaseIfMissing, dropDatabase } from '@jitgate/db';
import { randomBytes } from 'node:crypto';

const BASE = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';

export async function createMigratedDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const parsed = new URL(BASE);
  parsed.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  const url = parsed.toString();
  await createDatabaseIfMissing(url);
  await applyMigrations(url);
  return { url, drop: () => dropDatabase(url) };
}
