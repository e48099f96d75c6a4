import { MaskingConfigError } from './errors.js';

export type PathSegment = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'any' };

const MAX_PATHS = 100;
const MAX_PATH_LENGTH = 512;
export const MAX_SEGMENTS = 64;

/**
 * The JSON path subset `maskJson` accepts (absolute paths from the root):
 *
 *     path     := [ '$' ] segment*          the first `.` may be left out: `a.b` = `$.a.b`
 *     segment  := '.' name                  an object property
 *               | '[' '\'' text '\'' ']'    a property whose name holds `.`, `[` or `]`
 *               | '[' '"' text '"' ']'
 *               | '[' digits ']'            an array element
 *               | '.*' | '[*]'              any property or element
 *     name     := one or more characters other than `.`, `[`, `]`, quotes and white space
 *
 * `$` alone (or an empty string) is the root. No recursive descent (`..`), filters or slices.
 * Examples: `password`, `data.users[*].email`, `$.rows[*].f[1].v`, `$['weird.key']`.
 */
export function parseJsonPath(source: unknown, i: number): PathSegment[] {
  if (typeof source !== 'string') throw pathError(i, String(source), 'must be a string');
  if (source.length > MAX_PATH_LENGTH) throw pathError(i, source.slice(0, 40), `longer than ${MAX_PATH_LENGTH} characters`);
  const segs: PathSegment[] = [];
  let pos = 0;
  if (source.startsWith('$')) pos = 1;
  else if (source.length > 0 && source[0] !== '[') {
    pos = readName(source, 0, segs, i);
  }
  while (pos < source.length) {
    const c = source[pos];
    if (c === '.') {
      if (source[pos + 1] === '*') {
        segs.push({ kind: 'any' });
        pos += 2;
      } else pos = readName(source, pos + 1, segs, i);
    } else if (c === '[') {
      const close = source.indexOf(']', pos);
      if (close === -1) throw pathError(i, source, `unclosed [ at ${pos}`);
      const inner = source.slice(pos + 1, close);
      if (inner === '*') segs.push({ kind: 'any' });
      else if (/^\d{1,9}$/.test(inner)) segs.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']+'$/.test(inner) || /^"[^"]+"$/.test(inner)) segs.push({ kind: 'key', name: inner.slice(1, -1) });
      else throw pathError(i, source, `bad [${inner}] at ${pos}: expected [n], [*] or ['name']`);
      pos = close + 1;
    } else throw pathError(i, source, `unexpected ${JSON.stringify(c)} at ${pos}`);
    if (segs.length > MAX_SEGMENTS) throw pathError(i, source, `more than ${MAX_SEGMENTS} segments`);
  }
  return segs;
}

export function parseJsonPaths(paths: readonly unknown[]): PathSegment[][] {
  if (paths.length > MAX_PATHS) throw new MaskingConfigError('invalid_json_path', `at most ${MAX_PATHS} paths (got ${paths.length})`);
  return paths.map((p, i) => parseJsonPath(p, i));
}

function readName(source: string, start: number, segs: PathSegment[], i: number): number {
  let end = start;
  while (end < source.length && !/[.[\]'"\s]/.test(source[end]!)) end++;
  if (end === start) throw pathError(i, source, `empty property name at ${start}`);
  segs.push({ kind: 'key', name: source.slice(start, end) });
  return end;
}

function pathError(i: number, source: string, problem: string): MaskingConfigError {
  return new MaskingConfigError('invalid_json_path', `paths[${i}] ${JSON.stringify(source)}: ${problem}`);
}
