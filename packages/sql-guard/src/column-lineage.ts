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
import { isObj, nameList, str, type Obj } from './parse-tree.util.js';

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

/** Functions that read whole tables or queries named by a string and return them as a document. */
const DOCUMENT_FUNCTIONS: ReadonlySet<string> = new Set([
  'table_to_xml',
  'table_to_xmlschema',
  'table_to_xml_and_xmlschema',
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'schema_to_xml',
  'schema_to_xmlschema',
  'schema_to_xml_and_xmlschema',
  'database_to_xml',
  'database_to_xmlschema',
  'database_to_xml_and_xmlschema',
  // runs the query in its argument and returns the words of its documents
  'ts_stat',
]);

/** Sublinks whose value is the subquery's value; the others (EXISTS, IN, ANY, ALL) are booleans. */
const VALUE_SUBLINKS: ReadonlySet<string> = new Set(['EXPR_SUBLINK', 'ARRAY_SUBLINK', 'MULTIEXPR_SUBLINK', 'CTE_SUBLINK']);

/** A flow of values: source column names and whether anything unknown joins it. */
class Flow {
  readonly sources = new Set<string>();
  opaque = false;

  add(other: Flow | undefined): this {
    if (!other) return this;
    for (const s of other.sources) this.sources.add(s);
    if (other.opaque) this.opaque = true;
    return this;
  }

  static of(source?: string): Flow {
    const flow = new Flow();
    if (source !== undefined) flow.sources.add(source);
    return flow;
  }

  static unknown(): Flow {
    const flow = new Flow();
    flow.opaque = true;
    return flow;
  }
}

/** A result column while walking: its name (for references from outside), certain when written or a plain column. */
interface Column {
  run: boolean;
  name: string | null;
  certain: boolean;
  flow: Flow;
}

/** Something in a FROM list. */
type FromItem =
  | { kind: 'table'; alias: string; renamed: boolean }
  | { kind: 'derived'; alias: string | null; columns: Column[] }
  | { kind: 'function'; alias: string | null; flow: Flow }
  | { kind: 'join'; alias: string | null; items: FromItem[]; merges: boolean };

interface Scope {
  items: FromItem[];
  ctes: Map<string, Column[]>;
  parent: Scope | undefined;
}

class Walk {
  readonly reads = new Set<string>();
  opaque = false;
  writes: Flow | null = null;

  write(flow: Flow): void {
    this.writes = (this.writes ?? new Flow()).add(flow);
  }
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
    columns: columns && columns.map((c) => freeze(c.run ? 'run' : 'column', c.flow)),
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

// ---- SELECT ------------------------------------------------------------------------------

function selectColumns(sel: Obj, parent: Scope | undefined, walk: Walk): Column[] {
  const scope: Scope = { items: [], ctes: new Map(parent?.ctes ?? []), parent };
  withClause(sel['withClause'], scope, walk);
  const op = str(sel['op']);
  if (op !== undefined && op !== 'SETOP_NONE') {
    const left = isObj(sel['larg']) ? selectColumns(sel['larg'], scope, walk) : [unknownRun()];
    const right = isObj(sel['rarg']) ? selectColumns(sel['rarg'], scope, walk) : [unknownRun()];
    const counted = !left.some((c) => c.run) && !right.some((c) => c.run) && left.length === right.length;
    // Names come from the left arm; values from both, position by position.
    if (counted) return left.map((c, i) => ({ ...c, flow: new Flow().add(c.flow).add(right[i]!.flow) }));
    const flow = union(left).add(union(right));
    // The left arm names the columns: a table's columns in the right arm lose their names.
    if (right.some((c) => c.run)) flow.opaque = true;
    return [{ run: true, name: null, certain: false, flow }];
  }
  if (Array.isArray(sel['valuesLists'])) {
    const columns: Column[] = [];
    for (const row of sel['valuesLists']) {
      const items = isObj(row) && isObj(row['List']) && Array.isArray(row['List']['items']) ? row['List']['items'] : [];
      items.forEach((item, i) => {
        columns[i] ??= { run: false, name: `column${i + 1}`, certain: true, flow: new Flow() };
        columns[i]!.flow.add(exprFlow(item, scope, walk));
      });
    }
    return columns;
  }
  for (const item of list(sel['fromClause'])) scope.items.push(fromItem(item, scope, walk));
  // WHERE, GROUP BY, HAVING, ORDER BY, window definitions: read, but not carried into a column.
  for (const key of ['whereClause', 'groupClause', 'havingClause', 'sortClause', 'windowClause', 'distinctClause', 'limitCount', 'limitOffset']) {
    exprFlow(sel[key], scope, walk);
  }
  return targetColumns(list(sel['targetList']), scope, walk);
}

function withClause(clause: unknown, scope: Scope, walk: Walk): void {
  if (!isObj(clause)) return;
  for (const entry of list(clause['ctes'])) {
    const cte = isObj(entry) ? entry['CommonTableExpr'] : undefined;
    if (!isObj(cte)) continue;
    const name = str(cte['ctename']);
    const query = cte['ctequery'];
    let columns: Column[];
    if (isObj(query) && isObj(query['SelectStmt'])) columns = selectColumns(query['SelectStmt'], scope, walk);
    else if (isObj(query)) {
      const [key, node] = onlyEntry(query);
      columns = modifyColumns(key, node, scope, walk) ?? [unknownRun()];
    } else columns = [unknownRun()];
    const renamed = nameList(cte['aliascolnames']);
    if (renamed.length > 0) columns = columns.map((c, i) => (i < renamed.length && !c.run ? { ...c, name: renamed[i]!.toLowerCase(), certain: true } : c));
    if (name !== undefined) scope.ctes.set(name.toLowerCase(), columns);
  }
}

function targetColumns(targets: unknown[], scope: Scope, walk: Walk): Column[] {
  const columns: Column[] = [];
  for (const entry of targets) {
    const target = isObj(entry) ? entry['ResTarget'] : undefined;
    if (!isObj(target)) continue;
    const val = target['val'];
    const ref = isObj(val) && isObj(val['ColumnRef']) ? val['ColumnRef'] : undefined;
    const fields = ref ? list(ref['fields']) : [];
    if (ref && isStar(fields[fields.length - 1])) {
      walk.opaque = true;
      columns.push(...starColumns(fields, scope));
      continue;
    }
    const alias = str(target['name']);
    columns.push({ run: false, name: (alias ?? figureName(val))?.toLowerCase() ?? null, certain: alias !== undefined || ref !== undefined, flow: exprFlow(val, scope, walk) });
  }
  return columns;
}

/** `*` or `x.*` in a target list: the columns of the FROM items it names, in order. */
function starColumns(fields: unknown[], scope: Scope): Column[] {
  if (fields.length === 1) return scope.items.flatMap(itemColumns);
  const item = findItem(scope, nameOf(fields[fields.length - 2]));
  return item ? itemColumns(item) : [unknownRun()];
}

function itemColumns(item: FromItem): Column[] {
  switch (item.kind) {
    case 'table':
      // Named as the table names them: the gateway masks them by name. Renamed, nobody knows which is which.
      return [{ run: true, name: null, certain: false, flow: item.renamed ? Flow.unknown() : new Flow() }];
    case 'derived':
      return item.columns.map((c) => ({ ...c }));
    case 'function':
      return [{ run: true, name: null, certain: false, flow: new Flow().add(item.flow) }];
    case 'join': {
      const inner = item.items.flatMap(itemColumns);
      // USING and NATURAL merge columns: the count is no longer the sum.
      return item.merges ? [{ run: true, name: null, certain: false, flow: union(inner) }] : inner;
    }
  }
}

function fromItem(node: unknown, scope: Scope, walk: Walk): FromItem {
  if (!isObj(node)) return { kind: 'function', alias: null, flow: Flow.unknown() };
  const [key, n] = onlyEntry(node);
  switch (key) {
    case 'RangeVar': {
      const relname = (str(n['relname']) ?? '').toLowerCase();
      const alias = aliasOf(n);
      const cte = str(n['schemaname']) === undefined ? scope.ctes.get(relname) : undefined;
      if (cte) return renameDerived({ kind: 'derived', alias: alias ?? relname, columns: cte.map((c) => ({ ...c })) }, n);
      return { kind: 'table', alias: alias ?? relname, renamed: aliasColumns(n).length > 0 };
    }
    case 'RangeSubselect': {
      const query = n['subquery'];
      const inner = isObj(query) && isObj(query['SelectStmt']) ? selectColumns(query['SelectStmt'], scope, walk) : [unknownRun()];
      return renameDerived({ kind: 'derived', alias: aliasOf(n) ?? null, columns: inner }, n);
    }
    case 'RangeFunction': {
      const flow = new Flow();
      for (const entry of list(n['functions'])) {
        const items = isObj(entry) && isObj(entry['List']) ? list(entry['List']['items']) : [];
        flow.add(exprFlow(items[0], scope, walk));
      }
      return { kind: 'function', alias: aliasOf(n) ?? null, flow };
    }
    case 'RangeTableSample':
      return fromItem(n['relation'], scope, walk);
    case 'JoinExpr': {
      const items = [fromItem(n['larg'], scope, walk), fromItem(n['rarg'], scope, walk)];
      const merges = n['isNatural'] === true || list(n['usingClause']).length > 0;
      const join: FromItem = { kind: 'join', alias: aliasOf(n) ?? str(isObj(n['join_using_alias']) ? n['join_using_alias']['aliasname'] : undefined) ?? null, items, merges };
      // ON is read in the scope of both sides.
      exprFlow(n['quals'], { items: [...scope.items, ...items], ctes: scope.ctes, parent: scope.parent }, walk);
      return join;
    }
    default: {
      // XMLTABLE, JSON_TABLE and anything new: its columns derive from what it reads.
      const flow = new Flow().add(exprFlow(n, scope, walk));
      return { kind: 'function', alias: aliasOf(n) ?? null, flow };
    }
  }
}

/** A derived table with a column alias list: its first columns take those names. */
function renameDerived(item: Extract<FromItem, { kind: 'derived' }>, n: Obj): FromItem {
  const renamed = aliasColumns(n);
  if (renamed.length === 0) return item;
  if (item.columns.some((c) => c.run)) return { kind: 'table', alias: item.alias ?? '', renamed: true };
  return { ...item, columns: item.columns.map((c, i) => (i < renamed.length ? { ...c, name: renamed[i]!.toLowerCase(), certain: true } : c)) };
}

// ---- INSERT, UPDATE, DELETE, MERGE --------------------------------------------------------

function modifyColumns(key: string, n: Obj, parent: Scope | undefined, walk: Walk): Column[] | null {
  const scope: Scope = { items: [], ctes: new Map(parent?.ctes ?? []), parent };
  withClause(n['withClause'], scope, walk);
  if (isObj(n['relation'])) scope.items.push(fromItem({ RangeVar: n['relation'] }, scope, walk));
  const written = new Flow();
  switch (key) {
    case 'InsertStmt': {
      const source = n['selectStmt'];
      if (isObj(source) && isObj(source['SelectStmt'])) written.add(union(selectColumns(source['SelectStmt'], scope, walk)));
      const conflict = isObj(n['onConflictClause']) ? n['onConflictClause'] : undefined;
      if (conflict) {
        for (const target of list(conflict['targetList'])) written.add(exprFlow(isObj(target) && isObj(target['ResTarget']) ? target['ResTarget']['val'] : undefined, scope, walk));
        exprFlow(conflict['whereClause'], scope, walk);
      }
      break;
    }
    case 'UpdateStmt':
      for (const item of list(n['fromClause'])) scope.items.push(fromItem(item, scope, walk));
      for (const target of list(n['targetList'])) written.add(exprFlow(isObj(target) && isObj(target['ResTarget']) ? target['ResTarget']['val'] : undefined, scope, walk));
      exprFlow(n['whereClause'], scope, walk);
      break;
    case 'DeleteStmt':
      for (const item of list(n['usingClause'])) scope.items.push(fromItem(item, scope, walk));
      exprFlow(n['whereClause'], scope, walk);
      break;
    case 'MergeStmt':
      if (n['sourceRelation'] !== undefined) scope.items.push(fromItem(n['sourceRelation'], scope, walk));
      exprFlow(n['joinCondition'], scope, walk);
      for (const clause of list(n['mergeWhenClauses'])) {
        const when = isObj(clause) ? clause['MergeWhenClause'] : undefined;
        if (!isObj(when)) continue;
        exprFlow(when['condition'], scope, walk);
        for (const target of list(when['targetList'])) written.add(exprFlow(isObj(target) && isObj(target['ResTarget']) ? target['ResTarget']['val'] : undefined, scope, walk));
        for (const value of list(when['values'])) written.add(exprFlow(value, scope, walk));
      }
      break;
    default:
      genericReads(n, walk);
      return null;
  }
  if (key !== 'DeleteStmt') walk.write(written);
  const returning = isObj(n['returningClause']) ? list(n['returningClause']['exprs']) : list(n['returningList']);
  if (returning.length === 0) return null;
  // RETURNING reads the written row back: what went in comes out, whatever the column is called.
  return targetColumns(returning, scope, walk).map((c) => ({ ...c, flow: new Flow().add(c.flow).add(written) }));
}

// ---- expressions ---------------------------------------------------------------------------

/** The flow of values into an expression's result. Iterative: deep trees do not overflow. */
function exprFlow(node: unknown, scope: Scope, walk: Walk): Flow {
  const flow = new Flow();
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isObj(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (!isObj(child)) {
        if (Array.isArray(child)) stack.push(child);
        continue;
      }
      switch (key) {
        case 'ColumnRef':
          flow.add(columnRef(list(child['fields']), scope, walk));
          continue;
        case 'A_Indirection': {
          // (row).field: a field of a whole-row reference is that column.
          const ref = isObj(child['arg']) && isObj(child['arg']['ColumnRef']) ? list(child['arg']['ColumnRef']['fields']) : undefined;
          const field = nameList(child['indirection'])[0];
          if (ref && ref.length === 1 && field !== undefined && findItem(scope, nameOf(ref[0])) !== undefined) {
            flow.add(columnRef([ref[0], { String: { sval: field } }], scope, walk));
            stack.push(list(child['indirection']).filter((i) => !(isObj(i) && isObj(i['String']))));
            continue;
          }
          stack.push(child);
          continue;
        }
        case 'SubLink': {
          const type = str(child['subLinkType']) ?? '';
          const sub = isObj(child['subselect']) && isObj(child['subselect']['SelectStmt']) ? child['subselect']['SelectStmt'] : undefined;
          const columns = sub ? selectColumns(sub, scope, walk) : [unknownRun()];
          if (VALUE_SUBLINKS.has(type) || !type.endsWith('_SUBLINK')) flow.add(union(columns));
          stack.push(child['testexpr']);
          continue;
        }
        case 'FuncCall': {
          const name = nameList(child['funcname']).map((p) => p.toLowerCase());
          if (DOCUMENT_FUNCTIONS.has(name[name.length - 1] ?? '')) {
            walk.opaque = true;
            flow.opaque = true;
          }
          // The arguments flow into the result; ORDER BY, FILTER and OVER only choose rows.
          stack.push(child['args']);
          exprFlow([child['agg_order'], child['agg_filter'], child['over']], scope, walk);
          continue;
        }
        case 'SelectStmt':
          // A bare query inside an expression (a node this walk has no case for): its values count.
          flow.add(union(selectColumns(child, scope, walk)));
          continue;
        default:
          stack.push(child);
      }
    }
  }
  return flow;
}

/** A column reference, resolved against the FROM items in scope (innermost first). */
function columnRef(fields: unknown[], scope: Scope, walk: Walk): Flow {
  const last = fields[fields.length - 1];
  if (isStar(last)) {
    // `t.*` or `*` inside an expression (ROW(t.*), count(*) is not a ColumnRef): whole rows.
    walk.opaque = true;
    if (fields.length === 1) return union(scope.items.flatMap(itemColumns));
    const item = findItem(scope, nameOf(fields[fields.length - 2]));
    return item ? wholeRow(item, walk) : Flow.unknown();
  }
  const name = nameOf(last);
  if (name === undefined) return Flow.unknown();
  walk.reads.add(name);
  if (fields.length >= 2) {
    const item = findItem(scope, nameOf(fields[fields.length - 2]));
    // schema.table.column of something not in FROM, or an outer query's: the name is what is known.
    return item ? columnOf(item, name, walk) : Flow.of(name);
  }
  // Unqualified: a column of any item in scope, or a whole row of an item so named.
  const flow = Flow.of(name);
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    for (const item of s.items) {
      flow.add(columnOf(item, name, walk, true));
      if (item.alias === name) flow.add(wholeRow(item, walk));
    }
  }
  return flow;
}

/** Column `name` of an item; `loose`: an unqualified name that may belong to another item. */
function columnOf(item: FromItem, name: string, walk: Walk, loose = false): Flow {
  switch (item.kind) {
    case 'table':
      return item.renamed ? Flow.unknown() : Flow.of(name);
    case 'derived': {
      const named = item.columns.filter((c) => !c.run && c.name === name);
      if (named.length > 0 && named.every((c) => c.certain)) return union(named);
      // Not surely named so here: any of its columns may be the one.
      const unsure = item.columns.some((c) => c.run || !c.certain);
      if (loose && named.length === 0 && !unsure) return new Flow();
      return union(item.columns);
    }
    case 'function':
      return new Flow().add(item.flow);
    case 'join':
      return item.items.reduce((flow, inner) => flow.add(columnOf(inner, name, walk, loose)), new Flow());
  }
}

function wholeRow(item: FromItem, walk: Walk): Flow {
  walk.opaque = true;
  switch (item.kind) {
    case 'table':
      // Its columns are not known here: any of them may be masked.
      return Flow.unknown();
    case 'derived':
      return union(item.columns);
    case 'function':
      return new Flow().add(item.flow);
    case 'join':
      return item.items.reduce((flow, inner) => flow.add(wholeRow(inner, walk)), new Flow());
  }
}

function findItem(scope: Scope, name: string | undefined): FromItem | undefined {
  if (name === undefined) return undefined;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    for (const item of s.items) {
      const found = item.alias === name ? item : item.kind === 'join' && item.alias === null ? findItem({ items: item.items, ctes: s.ctes, parent: undefined }, name) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** Statements this walk has no case for: every column reference counts as read. */
function genericReads(node: unknown, walk: Walk): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isObj(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'ColumnRef' && isObj(child)) {
        const fields = list(child['fields']);
        const name = nameOf(fields[fields.length - 1]);
        if (name !== undefined) walk.reads.add(name);
        else walk.opaque = true;
        continue;
      }
      if (key === 'FuncCall' && isObj(child)) {
        const name = nameList(child['funcname']).map((p) => p.toLowerCase());
        if (DOCUMENT_FUNCTIONS.has(name[name.length - 1] ?? '')) walk.opaque = true;
      }
      if (isObj(child) || Array.isArray(child)) stack.push(child);
    }
  }
}

// ---- small helpers -------------------------------------------------------------------------

/** The name PostgreSQL gives an unaliased result column, where it matters here (FigureColname). */
function figureName(val: unknown): string | null {
  if (!isObj(val)) return null;
  const [key, n] = onlyEntry(val);
  switch (key) {
    case 'ColumnRef': {
      const fields = list(n['fields']);
      return nameOf(fields[fields.length - 1]) ?? null;
    }
    case 'A_Indirection': {
      const names = nameList(n['indirection']);
      return names[names.length - 1] ?? figureName(n['arg']);
    }
    case 'FuncCall': {
      const names = nameList(n['funcname']);
      return names[names.length - 1] ?? null;
    }
    case 'TypeCast':
      return figureName(n['arg']) ?? (nameList(isObj(n['typeName']) ? n['typeName']['names'] : undefined).pop() ?? null);
    default:
      return null;
  }
}

function unknownRun(): Column {
  return { run: true, name: null, certain: false, flow: Flow.unknown() };
}

function union(columns: readonly Column[]): Flow {
  const flow = new Flow();
  for (const c of columns) flow.add(c.flow);
  return flow;
}

function onlyEntry(node: Obj): [string, Obj] {
  const key = Object.keys(node)[0] ?? '';
  const value = node[key];
  return [key, isObj(value) ? value : {}];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isStar(field: unknown): boolean {
  return isObj(field) && isObj(field['A_Star']);
}

function nameOf(field: unknown): string | undefined {
  return isObj(field) && isObj(field['String']) ? str(field['String']['sval'])?.toLowerCase() : undefined;
}

function aliasOf(n: Obj): string | undefined {
  return isObj(n['alias']) ? str(n['alias']['aliasname'])?.toLowerCase() : undefined;
}

function aliasColumns(n: Obj): string[] {
  return isObj(n['alias']) ? nameList(n['alias']['colnames']) : [];
}
