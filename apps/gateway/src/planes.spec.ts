// The planes stay apart (docs/architecture.md, "Two planes"): every relative import in src is
// read with TypeScript's own pre-processor and held against the rule of its folder. A new arrow
// across the planes fails here, naming the file and what it imported.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

type Room = 'platform' | 'port' | 'control-plane' | 'data-plane' | 'root';

/** Where each room may import from (besides itself and the packages). */
const MAY_IMPORT: Record<Room, readonly Room[]> = {
  platform: [],
  port: ['platform'],
  'control-plane': ['port', 'platform'],
  'data-plane': ['port', 'platform'],
  // The composition: app.module.ts, app.factory.ts, main.ts and the package's exports.
  root: ['platform', 'port', 'control-plane', 'data-plane'],
};

function roomOf(file: string): Room {
  const first = path.relative(SRC, file).split(path.sep)[0] ?? '';
  return first === 'platform' || first === 'port' || first === 'control-plane' || first === 'data-plane' ? first : 'root';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import and re-export of `file`, resolved to a path under src. */
function importsOf(file: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): string[] {
  const { importedFiles } = ts.preProcessFile(read(file), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.resolve(path.dirname(file), name));
}

function crossings(files: string[], read?: (file: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    const from = roomOf(file);
    for (const target of importsOf(file, read)) {
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = roomOf(target);
      if (to !== from && !MAY_IMPORT[from].includes(to)) found.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
    }
  }
  return found;
}

describe('the planes', () => {
  const files = sourceFiles(SRC);

  it('are found where the rule looks for them', () => {
    const rooms = new Set(files.map(roomOf));
    expect([...rooms].sort()).toEqual(['control-plane', 'data-plane', 'platform', 'port', 'root']);
    // Enough files in each that an empty folder cannot pass the test below by accident.
    for (const room of ['control-plane', 'data-plane', 'platform', 'port'] as const) {
      expect(files.filter((f) => roomOf(f) === room).length, room).toBeGreaterThan(5);
    }
  });

  it('import each other only through the port (tests included)', () => {
    expect(crossings(files)).toEqual([]);
  });

  it('the check sees a crossing when there is one', () => {
    // The rule held against files that import across, as text: each arrow must be caught.
    const texts: Record<string, string> = {
      [path.join(SRC, 'data-plane/x/fake.ts')]: "import { GrantService } from '../../control-plane/grant/grant.service.js';\nimport { CONTROL_PLANE } from '../../port/control-plane.port.js';",
      [path.join(SRC, 'control-plane/x/fake.ts')]: "export { LiveSessions } from '../../data-plane/live/live-sessions.js';",
      [path.join(SRC, 'platform/x/fake.ts')]: "import type { Principal } from '../../port/principal.js';",
      [path.join(SRC, 'port/fake.ts')]: "import { AuditService } from '../control-plane/audit/audit.service.js';",
    };
    expect(crossings(Object.keys(texts), (file) => texts[file] ?? '')).toEqual([
      'data-plane/x/fake.ts -> control-plane/grant/grant.service.js',
      'control-plane/x/fake.ts -> data-plane/live/live-sessions.js',
      'platform/x/fake.ts -> port/principal.js',
      'port/fake.ts -> control-plane/audit/audit.service.js',
    ]);
  });
});
