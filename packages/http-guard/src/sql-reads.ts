/**
 * Finds the tables a statement reads: the items of FROM and JOIN clauses (also comma joins),
 * MERGE … USING, and `TABLE t` / `MODEL m` arguments of table functions. Not a parser: it tracks
 * parenthesised groups, which clause of each group it is in, the CTE names in scope and the
 * aliases of the current FROM clause. A path whose first part is an alias of the same FROM
 * clause is a correlated array (`FROM orders o, o.items`), not a table; an alias of an outer
 * query is not tracked, so such a path is taken as a table name (a false block, never a miss;
 * write `UNNEST(o.items)` instead). README "SQL analysis" lists what this can and cannot see.
 */
import { qualify, readPath, type QualifyContext } from './sql-paths.js';
import type { Token } from './sql-tokenizer.js';

interface Group {
  /** Lower-cased CTE names defined in this group (visible here and in nested groups). */
  ctes: Set<string>;
  /** Lower-cased range variables of the current FROM clause of this group. */
  aliases: Set<string>;
  inFrom: boolean;
  /** The next token starts a FROM item. */
  expect: boolean;
  /** Within `WITH a AS (…), b AS (…)` before the main query. */
  withList: boolean;
  /** The word before the opening parenthesis (`EXTRACT`, `UNNEST`, …). */
  opener: string;
}

export interface ReadScan {
  reads: string[];
  problems: string[];
}

// Words that end a FROM item's optional alias, or a FROM clause.
const NOT_ALIAS = new Set(
  'WHERE JOIN INNER LEFT RIGHT FULL CROSS OUTER ON USING GROUP ORDER LIMIT WINDOW HAVING QUALIFY UNION INTERSECT EXCEPT TABLESAMPLE PIVOT UNPIVOT FOR WITH AS SELECT FROM SET WHEN THEN ELSE END LATERAL NATURAL AND OR NOT IN IS MATCH_RECOGNIZE OPTIONS'.split(
    ' ',
  ),
);
const CLAUSE_END = new Set('WHERE GROUP HAVING QUALIFY WINDOW ORDER LIMIT SELECT SET WHEN VALUES OPTIONS RETURNS LANGUAGE'.split(' '));
// Table functions of BigQuery itself: their TABLE / MODEL arguments are found on their own.
const BUILTIN_TVF = new Set('UNNEST ML AI VECTOR_SEARCH APPENDS CHANGES GAP_FILL EXTERNAL_QUERY FILES OBJ EXTERNAL_OBJECT_TRANSFORM RANGE KEYS'.split(' '));

export function scanReads(toks: readonly Token[], start: number, end: number, skip: ReadonlySet<number>, ctx: QualifyContext, temps: ReadonlySet<string>): ReadScan {
  const reads: string[] = [];
  const problems: string[] = [];
  const stack: Group[] = [newGroup('')];
  const top = (): Group => stack[stack.length - 1]!;
  const cteVisible = (name: string): boolean => stack.some((g) => g.ctes.has(name));
  const cteAt = (i: number): string | null => {
    const name = toks[i];
    const as = toks[i + 1];
    const open = toks[i + 2];
    if (name === undefined || as === undefined || open === undefined || i + 2 >= end) return null;
    if ((name.kind !== 'word' && name.kind !== 'quoted') || as.upper !== 'AS' || open.text !== '(' || open.kind !== 'punct') return null;
    return name.text.toLowerCase();
  };

  const readItem = (i: number, g: Group): number => {
    const path = readPath(toks, i, end);
    if (path === null) return i;
    const after = toks[path.next];
    if (after !== undefined && path.next < end && after.kind === 'punct' && after.text === '(') {
      // A table function: BigQuery's own are skipped (their TABLE arguments are seen apart);
      // a user TVF is named like a table, so the dataset lists apply to it.
      if (!BUILTIN_TVF.has(path.parts[0]!.toUpperCase())) addRead(path.parts);
      return path.next - 1;
    }
    const first = path.parts[0]!.toLowerCase();
    if (path.parts.length === 1 && (cteVisible(first) || temps.has(first))) {
      g.aliases.add(first);
    } else if (path.parts.length > 1 && g.aliases.has(first)) {
      // A correlated array path of an earlier item of this FROM clause.
    } else {
      addRead(path.parts);
      g.aliases.add(path.parts[path.parts.length - 1]!.toLowerCase());
    }
    const alias = toks[path.next];
    if (alias !== undefined && path.next < end && (alias.kind === 'word' || alias.kind === 'quoted') && !NOT_ALIAS.has(alias.upper)) {
      g.aliases.add(alias.text.toLowerCase());
      return path.next;
    }
    return path.next - 1;
  };
  const addRead = (parts: string[]): void => {
    const q = qualify(parts, ctx);
    if (q.ok) reads.push(q.name);
    else problems.push(q.problem);
  };

  for (let i = start; i < end; i++) {
    const t = toks[i]!;
    const g = top();
    if (t.kind === 'punct') {
      if (t.text === '(') {
        if (g.expect) g.expect = false;
        const prev = toks[i - 1];
        stack.push(newGroup(prev !== undefined && i > start && prev.kind === 'word' ? prev.upper : ''));
      } else if (t.text === ')') {
        if (stack.length === 1) {
          problems.push('unbalanced parentheses');
          break;
        }
        stack.pop();
      } else if (t.text === ',' && g.withList) {
        const name = cteAt(i + 1);
        if (name !== null) g.ctes.add(name);
      } else if (t.text === ',' && g.inFrom) {
        g.expect = true;
      } else if (t.text === '|>') {
        g.inFrom = false;
        g.expect = false;
      }
      continue;
    }
    if (skip.has(i)) continue;
    if (g.expect) {
      g.expect = false;
      if (t.kind === 'word' || t.kind === 'quoted') {
        i = readItem(i, g);
        continue;
      }
    }
    if (t.kind !== 'word') continue;
    const prev = i > start ? toks[i - 1] : undefined;
    switch (t.upper) {
      case 'WITH': {
        const recursive = toks[i + 1]?.upper === 'RECURSIVE' ? 1 : 0;
        const name = cteAt(i + 1 + recursive);
        if (name !== null) {
          g.ctes.add(name);
          g.withList = true;
        }
        break;
      }
      case 'FROM':
        // `a IS [NOT] DISTINCT FROM b` and `EXTRACT(part FROM x)` are expressions.
        if (prev?.upper === 'DISTINCT' || g.opener === 'EXTRACT') break;
        g.withList = false;
        g.inFrom = true;
        g.expect = true;
        g.aliases.clear();
        break;
      case 'JOIN':
        g.inFrom = true;
        g.expect = true;
        break;
      case 'USING':
        // MERGE … USING source; JOIN … USING (columns) is a parenthesised list.
        if (toks[i + 1]?.text !== '(') g.expect = true;
        break;
      case 'TABLE':
      case 'MODEL':
        if (prev !== undefined && prev.kind === 'punct' && (prev.text === '(' || prev.text === ',')) {
          const path = readPath(toks, i + 1, end);
          if (path !== null) {
            addRead(path.parts);
            i = path.next - 1;
          }
        }
        break;
      case 'AS': {
        // `) AS sub`, `UNNEST(…) AS x`, `t AS a`: range variables of this FROM clause.
        const next = toks[i + 1];
        if (g.inFrom && next !== undefined && i + 1 < end && (next.kind === 'word' || next.kind === 'quoted')) g.aliases.add(next.text.toLowerCase());
        break;
      }
      case 'UNION':
      case 'INTERSECT':
      case 'EXCEPT':
        // `SELECT * EXCEPT (col)` is a column list; set operations are UNION / … ALL|DISTINCT.
        if (toks[i + 1]?.text === '(') break;
        g.inFrom = false;
        g.aliases.clear();
        break;
      default:
        if (CLAUSE_END.has(t.upper)) {
          g.withList = false;
          g.inFrom = false;
        }
    }
  }
  if (stack.length !== 1 && !problems.includes('unbalanced parentheses')) problems.push('unbalanced parentheses');
  return { reads, problems };
}

function newGroup(opener: string): Group {
  return { ctes: new Set(), aliases: new Set(), inFrom: false, expect: false, withList: false, opener };
}
