// A database of its own for each suite, migrated (a copy of a migrated template: milliseconds).
import { createTestDatabase } from '@jitgate/devenv';

export async function createMigratedDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createTestDatabase(prefix);
}
