import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A digest of every file under `dir` (names and contents, in a fixed order), so that a template
 * database built from one set of migrations is never reused for another.
 */
export async function hashDirectory(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const relative of await listFiles(dir, '')) {
    hash
      .update(relative)
      .update('\0')
      .update(await readFile(path.join(dir, relative)))
      .update('\0');
  }
  return hash.digest('hex');
}

async function listFiles(root: string, relative: string): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, child)));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}
