import { hasSqlDetails, loadModule, parseSync } from 'libpg-query';
import { LruCache } from './lru-cache.js';
import { numericShapeKey, singleStatementText } from './numeric-shape.js';
import type { SqlAnalysis, StatementInfo } from './sql-analysis.types.js';
import { statementLineage } from './column-lineage.js';
import { sessionObjects } from './session-objects.js';
import { classifyStatement } from './statement-classifier.js';

/**
 * Longer input is not parsed and is unparseable. Postgres accepts bigger queries, but a
 * session that sends more than 1 MiB of SQL text in one message is not a case worth a
 * proxy's CPU; pinned in sql-analyzer.spec.ts.
 */
export const MAX_SQL_BYTES = 1024 * 1024;

/** Entries and summed SQL length of the analysis cache; texts over 64 KiB are not cached. */
export const CACHE_MAX_ENTRIES = 2000;
export const CACHE_MAX_TOTAL_LENGTH = 4 * 1024 * 1024;
const CACHE_MAX_KEY_LENGTH = 64 * 1024;

let ready: Promise<void> | undefined;
let loaded = false;
const cache = new LruCache<SqlAnalysis>(CACHE_MAX_ENTRIES, CACHE_MAX_TOTAL_LENGTH);
/** Single statements by numeric shape (numeric-shape.ts): everything but the text, which is the caller's. */
const shapes = new LruCache<Omit<StatementInfo, 'text'>>(CACHE_MAX_ENTRIES, CACHE_MAX_TOTAL_LENGTH);

/** Loads the parser's WASM module once; later calls return the same promise. */
export function initSqlGuard(): Promise<void> {
  ready ??= loadModule().then(
    () => {
      loaded = true;
    },
    (err: unknown) => {
      ready = undefined;
      throw err;
    },
  );
  return ready;
}

/** Empties the analysis cache (for tests and measurements). */
export function clearSqlGuardCache(): void {
  cache.clear();
  shapes.clear();
}

/**
 * Parses `sql` (one or more statements) and classifies each. Synchronous; throws only when
 * `initSqlGuard()` has not completed — any input, however malformed, gives a result.
 * Results are cached — a single statement by its shape with integer literals left out
 * (numeric-shape.ts), anything else by its exact text — and deeply frozen: callers must not
 * mutate them.
 */
export function analyzeSql(sql: string): SqlAnalysis {
  if (!loaded) throw new Error('analyzeSql called before initSqlGuard() resolved');
  const shapeKey = typeof sql === 'string' ? numericShapeKey(sql) : undefined;
  if (shapeKey !== undefined) {
    const shape = shapes.get(shapeKey);
    if (shape !== undefined) return withText(shape, singleStatementText(sql));
  }
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  const analysis = deepFreeze(analyzeUncached(sql));
  const single = analysis.ok && analysis.statements.length === 1 ? analysis.statements[0] : undefined;
  // Kept by shape only when the text rule gives back what the parser sliced, so a hit's
  // text is the one a parse would have given.
  if (shapeKey !== undefined && single !== undefined && single.text === singleStatementText(sql)) {
    const { text: _text, ...shape } = single;
    shapes.set(shapeKey, Object.freeze(shape));
  } else if (sql.length <= CACHE_MAX_KEY_LENGTH) {
    cache.set(sql, analysis);
  }
  return analysis;
}

function withText(shape: Omit<StatementInfo, 'text'>, text: string): SqlAnalysis {
  return Object.freeze({ ok: true, statements: Object.freeze([Object.freeze({ text, ...shape })]) });
}

function analyzeUncached(sql: string): SqlAnalysis {
  if (typeof sql !== 'string') return { ok: false, error: 'statement text is not a string' };
  // Characters are at least one UTF-8 byte each, so only near the limit is a count needed.
  const bytes = sql.length * 3 <= MAX_SQL_BYTES ? sql.length : Buffer.byteLength(sql, 'utf8');
  if (bytes > MAX_SQL_BYTES) return { ok: false, error: `statement text is longer than ${MAX_SQL_BYTES} bytes` };
  if (sql.trim() === '') return { ok: true, statements: [] };
  let tree: { stmts?: Array<{ stmt?: unknown; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (err: unknown) {
    return { ok: false, error: parseErrorMessage(err) };
  }
  try {
    const slicer = sourceSlicer(sql);
    const statements: StatementInfo[] = [];
    for (const raw of tree.stmts ?? []) {
      if (typeof raw.stmt !== 'object' || raw.stmt === null) continue;
      const node = raw.stmt as Record<string, unknown>;
      const objects = sessionObjects(node);
      statements.push({ text: slicer(raw.stmt_location ?? 0, raw.stmt_len ?? 0), ...classifyStatement(node), lineage: statementLineage(node), ...(objects ? { objects } : {}) });
    }
    return { ok: true, statements };
  } catch (err: unknown) {
    // The walk is iterative and total; reaching here means a parser output we do not
    // understand, which must not be allowed through as if it were analysed.
    return { ok: false, error: `could not analyse the parse tree: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parseErrorMessage(err: unknown): string {
  if (hasSqlDetails(err) && err.sqlDetails !== undefined) {
    // cursorPosition is 0-based in characters; Postgres reports it 1-based.
    return `${err.sqlDetails.message} at character ${err.sqlDetails.cursorPosition + 1}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** stmt_location/stmt_len are UTF-8 byte offsets; len 0 means "to the end". */
function sourceSlicer(sql: string): (location: number, len: number) => string {
  if (Buffer.byteLength(sql, 'utf8') === sql.length) {
    return (loc, len) => (len > 0 ? sql.slice(loc, loc + len) : sql.slice(loc)).trim();
  }
  const buf = Buffer.from(sql, 'utf8');
  return (loc, len) =>
    buf
      .subarray(loc, len > 0 ? loc + len : buf.length)
      .toString('utf8')
      .trim();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
