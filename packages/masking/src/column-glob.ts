import { MaskingConfigError } from './errors.js';

const MAX_PATTERN = 128;
const MAX_PATTERNS = 1000;
/** Property names seen by `maskJson` repeat a lot; remember the answer for this many. */
const CACHE_LIMIT = 4096;
const MAX_CACHED_NAME = 128;

/**
 * Case-insensitive globs on a bare column (or JSON property) name: `*` any run of characters,
 * `?` exactly one, everything else literal. `card_number`, `*email*`, `ssn`, `*_token`.
 *
 * Refused, so that a pattern never means something other than it looks like:
 * `.` (a `RowDescription` names a column by table OID and attribute number, not `table.column`,
 * so `users.ssn` could not be honoured), `[ ] { } \` (classes, alternatives and escapes are not
 * supported), control characters, empty patterns and patterns over 128 characters.
 */
export class ColumnMatcher {
  private readonly exact = new Set<string>();
  /** Lower-cased wildcard patterns, matched by `globMatch` (no regex: keys can be long). */
  private readonly globs: string[] = [];
  private readonly cache = new Map<string, boolean>();
  readonly patterns: readonly string[];

  constructor(patterns: readonly unknown[]) {
    if (patterns.length > MAX_PATTERNS) {
      throw new MaskingConfigError('invalid_config', `columns: at most ${MAX_PATTERNS} patterns (got ${patterns.length})`);
    }
    const kept: string[] = [];
    for (const [i, p] of patterns.entries()) {
      validatePattern(p, i);
      kept.push(p);
      const lower = p.toLowerCase();
      if (!lower.includes('*') && !lower.includes('?')) this.exact.add(lower);
      else this.globs.push(lower);
    }
    this.patterns = kept;
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.globs.length === 0;
  }

  matches(name: string): boolean {
    if (this.empty) return false;
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    const lower = name.toLowerCase();
    const result = this.exact.has(lower) || this.globs.some((g) => globMatch(g, lower));
    if (name.length <= MAX_CACHED_NAME) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(name, result);
    }
    return result;
  }
}

function validatePattern(p: unknown, i: number): asserts p is string {
  if (typeof p !== 'string') throw new MaskingConfigError('invalid_column_pattern', `columns[${i}]: must be a string`);
  const quoted = JSON.stringify(p.length > MAX_PATTERN ? `${p.slice(0, MAX_PATTERN)}…` : p);
  if (p.length === 0 || p.length > MAX_PATTERN) {
    throw new MaskingConfigError('invalid_column_pattern', `columns[${i}] ${quoted}: must be 1 to ${MAX_PATTERN} characters`);
  }
  for (let j = 0; j < p.length; j++) {
    const c = p.charCodeAt(j);
    if (c < 32 || c === 127) throw new MaskingConfigError('invalid_column_pattern', `columns[${i}] ${quoted}: control characters are not allowed`);
  }
  if (p.includes('.')) {
    throw new MaskingConfigError('invalid_column_pattern', `columns[${i}] ${quoted}: table-qualified patterns are not supported; use the column name alone`);
  }
  if (/[[\]{}\\]/.test(p)) {
    throw new MaskingConfigError('invalid_column_pattern', `columns[${i}] ${quoted}: only * and ? are special; [ ] { } \\ are not allowed`);
  }
}

/**
 * `*` / `?` wildcard match, iterative with one backtrack point (the last `*`): O(pattern × name)
 * in the worst case, where a regex like `^.*a.*b.*c$` can go polynomial in the name's length on
 * a long JSON key.
 */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 || c === name.charCodeAt(n))) {
      p++;
      n++;
    } else if (p < pattern.length && c === 42) {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}
