/**
 * BigQuery SQL analysis without a parser (libpg-query speaks PostgreSQL, not GoogleSQL):
 * tokenize as GoogleSQL does and split on `;` (sql-statements.ts), classify each statement by
 * its leading keywords and find the tables it reads and writes. What it cannot see it says so (`unknown`, `unresolved`), and the
 * decision refuses that by default. README "SQL analysis" is the honest list of limits.
 */
import type { BigQueryClass } from './types.js';
import { qualify, qualifyDataset, readPath, type QualifyContext } from './sql-paths.js';
import { scanReads } from './sql-reads.js';
import { stripScriptPrefix } from './sql-script.js';
import { splitStatements } from './sql-statements.js';
import type { Token } from './sql-tokenizer.js';

export interface SqlAnalysis {
  /** Classes of each statement, in order (`script` first when the statement sits in a block). */
  statements: BigQueryClass[][];
  /** Every class, once, in order of first appearance. */
  classes: BigQueryClass[];
  tables: { read: string[]; written: string[] };
  /** Why a statement is `unknown`, one entry per reason. */
  unknown: string[];
  /** Table names that could not be found or qualified. */
  unresolved: string[];
}

export type { QualifyContext } from './sql-paths.js';

const SCRIPT_WORDS = new Set('DECLARE SET COMMIT ROLLBACK BREAK LEAVE CONTINUE ITERATE RETURN RAISE ASSERT END UNTIL'.split(' '));
const OBJECT_MODIFIERS = new Set('OR REPLACE TEMP TEMPORARY EXTERNAL SNAPSHOT MATERIALIZED SEARCH VECTOR ROW ACCESS ALL AGGREGATE PUBLIC'.split(' '));

/**
 * `external` names tables that are not dataset tables for this request: jobs.insert's
 * `tableDefinitions` (external data read through a temporary name).
 */
export function analyzeBigQuerySql(sql: string, ctx: QualifyContext, external: readonly string[] = []): SqlAnalysis {
  const out: SqlAnalysis = { statements: [], classes: [], tables: { read: [], written: [] }, unknown: [], unresolved: [] };
  const split = splitStatements(sql);
  if (!split.ok) {
    out.statements.push(['unknown']);
    out.classes.push('unknown');
    out.unknown.push(`the SQL cannot be read as BigQuery reads it (${split.error})`);
    return out;
  }
  // Temporary tables live in the script's own session dataset: never a listed table.
  const temps = new Set<string>(external.map((e) => e.toLowerCase()));
  for (const s of split.statements) statement(split.tokens, s.start, s.end, ctx, temps, out);
  for (const s of out.statements) for (const c of s) if (!out.classes.includes(c)) out.classes.push(c);
  out.tables.read = [...new Set(out.tables.read)];
  out.tables.written = [...new Set(out.tables.written)];
  return out;
}

function statement(toks: readonly Token[], start: number, end: number, ctx: QualifyContext, temps: Set<string>, out: SqlAnalysis): void {
  const classes: BigQueryClass[] = [];
  const k = stripScriptPrefix(toks, start, end);
  if (k === null) {
    out.statements.push(['script', 'unknown']);
    out.unknown.push('a script block with no THEN / DO');
    return;
  }
  if (k > start) classes.push('script');
  const skip = new Set<number>();
  const write = (parts: string[] | null, dataset = false): void => {
    if (parts === null) {
      out.unresolved.push('a statement whose target table cannot be read');
      return;
    }
    if (parts.length === 1 && temps.has(parts[0]!.toLowerCase())) return;
    const q = dataset ? qualifyDataset(parts, ctx) : qualify(parts, ctx);
    if (q.ok) out.tables.written.push(q.name);
    else out.unresolved.push(q.problem);
  };
  // Reads a target path at `i`, marks its tokens as seen, returns its parts.
  const target = (i: number): { parts: string[] | null; next: number } => {
    const path = readPath(toks, i, end);
    if (path === null) return { parts: null, next: i };
    for (let j = i; j < path.next; j++) skip.add(j);
    return { parts: path.parts, next: path.next };
  };
  const word = (i: number): string => (i < end ? (toks[i]?.upper ?? '') : '');

  // A parenthesised query: `(SELECT …) UNION ALL (SELECT …)`.
  let first = toks[k]?.kind === 'punct' && toks[k]?.text === '(' ? 'SELECT' : word(k);
  let at = k;
  if (first === 'WITH') {
    // Skip the CTE list to the main statement keyword at this level.
    at = mainKeyword(toks, k, end);
    first = word(at);
  }
  let cls: BigQueryClass;
  if (k >= end) {
    // Only block keywords (`BEGIN`, `ELSE`, a label): nothing runs here.
    out.statements.push(classes.length > 0 ? classes : ['script']);
    return;
  }
  switch (first) {
    case 'SELECT':
    case 'FROM':
    case 'WITH':
      cls = 'select';
      break;
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE': {
      cls = first.toLowerCase() as BigQueryClass;
      let i = at + 1;
      if ((first === 'INSERT' || first === 'MERGE') && word(i) === 'INTO') i++;
      if (first === 'DELETE' && word(i) === 'FROM') skip.add(i++);
      write(target(i).parts);
      break;
    }
    case 'TRUNCATE':
      cls = 'truncate';
      write(word(at + 1) === 'TABLE' ? target(at + 2).parts : null);
      break;
    case 'CREATE':
    case 'DROP':
    case 'ALTER':
    case 'UNDROP':
      cls = first === 'UNDROP' ? 'create' : (first.toLowerCase() as BigQueryClass);
      objectStatement(toks, at + 1, end, first, { write, target, temps, out, ctx, skip });
      break;
    case 'GRANT':
    case 'REVOKE': {
      cls = first === 'GRANT' ? 'grant' : 'revoke';
      let i = at + 1;
      while (i < end && word(i) !== 'ON') i++;
      const kind = word(i + 1);
      if (kind === 'SCHEMA') write(target(i + 2).parts, true);
      else if (kind === 'TABLE' || kind === 'VIEW') write(target(i + 2).parts);
      else if (kind === 'EXTERNAL' && word(i + 2) === 'TABLE') write(target(i + 3).parts);
      else out.unresolved.push('a GRANT / REVOKE on a resource that is not a dataset, table or view');
      break;
    }
    case 'EXPORT':
      cls = 'export';
      break;
    case 'LOAD': {
      cls = 'load';
      let i = at + 1;
      if (word(i) === 'DATA') i++;
      if (word(i) === 'OVERWRITE' || word(i) === 'INTO') i++;
      const temp = word(i) === 'TEMP' || word(i) === 'TEMPORARY';
      if (temp) i++;
      const t = target(i);
      if (temp && t.parts?.length === 1) temps.add(t.parts[0]!.toLowerCase());
      else write(t.parts);
      break;
    }
    case 'CALL':
      cls = 'call';
      out.unresolved.push('CALL runs a procedure whose statements cannot be seen');
      break;
    case 'EXECUTE':
      cls = 'unknown';
      out.unknown.push('EXECUTE IMMEDIATE runs SQL built at run time');
      break;
    case 'BEGIN':
      cls = 'script'; // BEGIN TRANSACTION
      break;
    default:
      if (SCRIPT_WORDS.has(first)) cls = 'script';
      else {
        cls = 'unknown';
        out.unknown.push(`a statement starting with "${(toks[at]?.text ?? '').slice(0, 40)}" is not recognised`);
      }
  }
  if (!classes.includes(cls)) classes.push(cls);
  out.statements.push(classes);
  const scan = scanReads(toks, start, end, skip, ctx, temps);
  out.tables.read.push(...scan.reads);
  out.unresolved.push(...scan.problems);
}

interface ObjectHelpers {
  write: (parts: string[] | null, dataset?: boolean) => void;
  target: (i: number) => { parts: string[] | null; next: number };
  temps: Set<string>;
  out: SqlAnalysis;
  ctx: QualifyContext;
  skip: Set<number>;
}

/** CREATE / DROP / ALTER / UNDROP: the object kind, its name, and CREATE's copy sources. */
function objectStatement(toks: readonly Token[], k: number, end: number, verb: string, h: ObjectHelpers): void {
  const word = (i: number): string => (i < end ? (toks[i]?.upper ?? '') : '');
  let i = k;
  let temp = false;
  while (OBJECT_MODIFIERS.has(word(i))) {
    if (word(i) === 'TEMP' || word(i) === 'TEMPORARY') temp = true;
    i++;
  }
  let kind = word(i++);
  if (kind === 'TABLE' && word(i) === 'FUNCTION') {
    kind = 'FUNCTION';
    i++;
  }
  if (kind === 'MATERIALIZED' || kind === 'VIEW') kind = 'VIEW';
  if (word(i) === 'IF' && word(i + 1) === 'NOT' && word(i + 2) === 'EXISTS') i += 3;
  else if (word(i) === 'IF' && word(i + 1) === 'EXISTS') i += 2;
  switch (kind) {
    case 'TABLE':
    case 'VIEW':
    case 'MODEL':
    case 'FUNCTION':
    case 'PROCEDURE': {
      const t = h.target(i);
      if (temp && t.parts !== null && t.parts.length === 1) {
        // A temporary table or function of this script, not a dataset object.
        if (kind === 'TABLE') h.temps.add(t.parts[0]!.toLowerCase());
      } else h.write(t.parts);
      if (verb === 'CREATE' && ['LIKE', 'COPY', 'CLONE'].includes(word(t.next))) {
        const src = h.target(t.next + 1);
        if (src.parts === null) h.out.unresolved.push('a CREATE … LIKE/COPY/CLONE source that cannot be read');
        else {
          const q = qualify(src.parts, h.ctx);
          if (q.ok) h.out.tables.read.push(q.name);
          else h.out.unresolved.push(q.problem);
        }
      }
      if (verb === 'ALTER' && t.parts !== null) {
        // ALTER TABLE t RENAME TO u: u is written, in t's dataset.
        for (let j = t.next; j + 2 < end; j++) {
          if (word(j) === 'RENAME' && word(j + 1) === 'TO') {
            const to = h.target(j + 2).parts;
            h.write(to === null || to.length !== 1 || t.parts.length < 2 ? to : [...t.parts.slice(0, -1), ...to]);
          }
        }
      }
      return;
    }
    case 'SCHEMA':
      h.write(h.target(i).parts, true);
      return;
    case 'INDEX':
    case 'POLICY':
    case 'POLICIES': {
      // CREATE SEARCH INDEX n ON t, CREATE ROW ACCESS POLICY n ON t, DROP ALL ROW ACCESS POLICIES ON t.
      let j = i;
      while (j < end && word(j) !== 'ON') j++;
      h.write(j < end ? h.target(j + 1).parts : null);
      return;
    }
    default:
      h.out.unresolved.push(`${verb} of an object that is not a dataset, table, view, model or routine`);
  }
}

/** After `WITH a AS (…), …`: the index of the first top-level word of the main statement. */
function mainKeyword(toks: readonly Token[], k: number, end: number): number {
  let depth = 0;
  for (let i = k + 1; i < end; i++) {
    const t = toks[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'FROM'].includes(t.upper)) return i;
  }
  return k;
}
