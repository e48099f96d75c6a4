// The lineage of queries and of the statements that change rows (column-lineage.ts): SELECT with
// its WITH, FROM, set operations and VALUES; INSERT, UPDATE, DELETE and MERGE with RETURNING;
// and the flow of values through expressions.
import { isObj, nameList, str, type Obj } from './parse-tree.util.js';
import {
  aliasColumns,
  aliasOf,
  DOCUMENT_FUNCTIONS,
  figureName,
  Flow,
  isStar,
  list,
  nameOf,
  onlyEntry,
  union,
  unknownRun,
  VALUE_SUBLINKS,
  type Column,
  type FromItem,
  type Scope,
  type Walk,
} from './lineage-model.js';
import { columnRef, findItem, starColumns } from './lineage-references.js';

export function selectColumns(sel: Obj, parent: Scope | undefined, walk: Walk): Column[] {
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

export function withClause(clause: unknown, scope: Scope, walk: Walk): void {
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

export function targetColumns(targets: unknown[], scope: Scope, walk: Walk): Column[] {
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

export function fromItem(node: unknown, scope: Scope, walk: Walk): FromItem {
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
export function renameDerived(item: Extract<FromItem, { kind: 'derived' }>, n: Obj): FromItem {
  const renamed = aliasColumns(n);
  if (renamed.length === 0) return item;
  if (item.columns.some((c) => c.run)) return { kind: 'table', alias: item.alias ?? '', renamed: true };
  return { ...item, columns: item.columns.map((c, i) => (i < renamed.length ? { ...c, name: renamed[i]!.toLowerCase(), certain: true } : c)) };
}

// ---- INSERT, UPDATE, DELETE, MERGE --------------------------------------------------------

export function modifyColumns(key: string, n: Obj, parent: Scope | undefined, walk: Walk): Column[] | null {
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
export function exprFlow(node: unknown, scope: Scope, walk: Walk): Flow {
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

/** Statements this walk has no case for: every column reference counts as read. */
export function genericReads(node: unknown, walk: Walk): void {
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
