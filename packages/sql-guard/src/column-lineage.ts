// Where each result column of a statement comes from (docs/postgres.md, "Masking"): the column
// names whose values may flow into it, so that a masked column stays masked through any
// expression that reads it (an alias, a cast, a function, concatenation, an encoding, a row
// value, a subquery, a CTE, a UNION arm, RETURNING). Names only: which names are masked is the
// session's policy, matched later by the gateway, so the result is cached with the analysis.
//
// It fails closed: whatever this walk cannot follow (a whole row of a table whose columns it
// does not know, a table renamed with a column list, a table turned into a document by name,
// a result whose shape it cannot count) is `opaque`, which the gateway treats as "may hold any
// masked column". Inference through WHERE, ORDER BY or GROUP BY is out of scope (docs/security.md).
import { isObj, str, type Obj } from './parse-tree.util.js';
import { Flow, onlyEntry, union, Walk, type Column } from './lineage-model.js';
import { genericReads, modifyColumns, selectColumns } from './lineage-query.js';

/** One result column, or `run`: a `*` over something whose column count is not known here. */
export interface LineageItem {
  readonly kind: 'column' | 'run';
  /** Lower-cased names of the columns whose values may flow into it. */
  readonly sources: readonly string[];
  /** May hold any column of something whose columns are not known here. */
  readonly opaque: boolean;
}

export interface StatementLineage {
  /** The result columns in order, or null when the statement's rows are not known here. */
  readonly columns: readonly LineageItem[] | null;
  /** Every column name the statement reads anywhere (WHERE included), lower-cased: error messages may quote any. */
  readonly reads: readonly string[];
  /** It reads whole rows, `*`, or whole tables by name somewhere: any column may be in it. */
  readonly opaque: boolean;
  /** What it writes into a table (INSERT, UPDATE … SET, MERGE, CREATE TABLE AS, SELECT INTO), or null. */
  readonly writes: Omit<LineageItem, 'kind'> | null;
}

/**
 * The lineage of one top-level statement node (`{ SelectStmt: … }`). Total: a tree it does not
 * understand gives an opaque lineage, never an exception.
 */
export function statementLineage(stmt: Obj): StatementLineage {
  const walk = new Walk();
  let columns: Column[] | null;
  try {
    columns = statementColumns(stmt, walk);
  } catch {
    // A shape this walk does not expect (or a tree too deep for it): nothing is known.
    return { columns: null, reads: [], opaque: true, writes: { sources: [], opaque: true } };
  }
  return {
    columns: columns === null ? null : columns.map((c) => freeze(c.run ? 'run' : 'column', c.flow)),
    reads: [...walk.reads],
    opaque: walk.opaque,
    writes: walk.writes && { sources: [...walk.writes.sources], opaque: walk.writes.opaque },
  };
}

function freeze(kind: 'column' | 'run', flow: Flow): LineageItem {
  return { kind, sources: [...flow.sources], opaque: flow.opaque };
}

function statementColumns(stmt: Obj, walk: Walk): Column[] | null {
  const [key, node] = onlyEntry(stmt);
  switch (key) {
    case 'SelectStmt': {
      const columns = selectColumns(node, undefined, walk);
      if (isObj(node['intoClause'])) {
        walk.write(union(columns));
        return null;
      }
      return columns;
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return modifyColumns(key, node, undefined, walk);
    case 'CreateTableAsStmt': {
      const query = node['query'];
      walk.write(isObj(query) && isObj(query['SelectStmt']) ? union(selectColumns(query['SelectStmt'], undefined, walk)) : nested(query, walk));
      return null;
    }
    case 'ExplainStmt':
      // The plan's text names columns, never their values; what runs inside still reads.
      nested(node['query'], walk);
      return [{ run: false, name: 'QUERY PLAN', certain: true, flow: new Flow() }];
    case 'VariableShowStmt':
      return [{ run: false, name: str(node['name']) ?? null, certain: true, flow: new Flow() }];
    case 'DeclareCursorStmt':
      // Its rows come with FETCH (session-objects.ts keeps the cursor's lineage).
      nested(node['query'], walk);
      return null;
    case 'CopyStmt':
      nested(node['query'], walk);
      walk.opaque ||= node['query'] === undefined && node['relation'] !== undefined && node['is_from'] !== true;
      return null;
    default:
      // Any other statement: what it reads still counts (reads, opaque); its rows, if any, are unknown.
      genericReads(node, walk);
      return null;
  }
}

/** A nested statement (EXPLAIN's, a CTAS's, a cursor's): walked for what it reads. */
function nested(query: unknown, walk: Walk): Flow {
  if (!isObj(query)) return new Flow();
  const columns = statementColumns(query, walk);
  return columns ? union(columns) : Flow.unknown();
}
