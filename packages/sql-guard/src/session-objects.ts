// What a statement does to the objects a session keeps by name (docs/postgres.md, "Prepared
// statements and cursors"): SQL PREPARE and DEALLOCATE, EXECUTE, DECLARE … CURSOR, FETCH/MOVE,
// CLOSE, DISCARD. The gateway keeps the same names as the server (protocol-level Parse and Bind
// share these namespaces), so that an EXECUTE is judged by the statement it runs, a FETCH is
// masked by its cursor's query, and one approval is bound to one execution.
import { statementLineage, type StatementLineage } from './column-lineage.js';
import { isObj, str, type Obj } from './parse-tree.util.js';
import { classifyStatement, type ClassifiedStatement } from './statement-classifier.js';

/** The statement a PREPARE stores or a DECLARE runs, judged on its own. */
export interface InnerStatement extends ClassifiedStatement {
  readonly lineage: StatementLineage;
}

export interface SessionObjects {
  /** PREPARE name AS …: the statement stored under `name`. */
  readonly prepares?: { readonly name: string; readonly statement: InnerStatement };
  /** Names of prepared statements run, wherever in the statement (EXPLAIN ANALYZE, CREATE TABLE AS). */
  readonly executes?: readonly string[];
  /** DEALLOCATE name, or '*' for DEALLOCATE ALL. */
  readonly deallocates?: string;
  /** DECLARE name CURSOR … FOR query. */
  readonly declares?: { readonly name: string; readonly hold: boolean; readonly statement: InnerStatement };
  /** FETCH or MOVE in a cursor. */
  readonly fetches?: string;
  /** CLOSE name, or '*' for CLOSE ALL. */
  readonly closes?: string;
  /** DISCARD ALL: every prepared statement and cursor is gone. */
  readonly discardsAll?: true;
}

/** PostgreSQL's CURSOR_OPT_HOLD: the cursor outlives its transaction. */
const CURSOR_OPT_HOLD = 0x20;

/** The session objects of one top-level statement node; undefined when it touches none. */
export function sessionObjects(stmt: Obj): SessionObjects | undefined {
  const key = Object.keys(stmt)[0] ?? '';
  const node = isObj(stmt[key]) ? (stmt[key] as Obj) : {};
  switch (key) {
    case 'PrepareStmt': {
      const name = str(node['name']);
      return name === undefined || !isObj(node['query']) ? undefined : { prepares: { name, statement: inner(node['query']) } };
    }
    case 'DeallocateStmt':
      return { deallocates: node['isall'] === true ? '*' : (str(node['name']) ?? '*') };
    case 'DeclareCursorStmt': {
      const name = str(node['portalname']);
      if (name === undefined || !isObj(node['query'])) return undefined;
      const options = typeof node['options'] === 'number' ? node['options'] : 0;
      return { declares: { name, hold: (options & CURSOR_OPT_HOLD) !== 0, statement: inner(node['query']) } };
    }
    case 'FetchStmt': {
      const name = str(node['portalname']);
      return name === undefined ? undefined : { fetches: name };
    }
    case 'ClosePortalStmt':
      return { closes: str(node['portalname']) ?? '*' };
    case 'DiscardStmt':
      return node['target'] === 'DISCARD_ALL' ? { discardsAll: true } : undefined;
    default: {
      const executes = executedNames(stmt);
      return executes.length > 0 ? { executes } : undefined;
    }
  }
}

function inner(query: Obj): InnerStatement {
  return { ...classifyStatement(query), lineage: statementLineage(query) };
}

/** Every ExecuteStmt in the tree: EXECUTE itself, EXPLAIN ANALYZE EXECUTE, CREATE TABLE AS EXECUTE. */
function executedNames(stmt: Obj): string[] {
  const names: string[] = [];
  const stack: unknown[] = [stmt];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isObj(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'ExecuteStmt' && isObj(child)) {
        const name = str(child['name']);
        if (name !== undefined) names.push(name);
      }
      if (isObj(child) || Array.isArray(child)) stack.push(child);
    }
  }
  return names;
}
