// Column references resolved against the FROM items in scope (column-lineage.ts): a column of
// a table is known by its name, a column of a subquery or CTE by what flows into it, and a
// whole row of something whose columns are not known here is opaque.
import { Flow, isStar, nameOf, union, unknownRun, type Column, type FromItem, type Scope, type Walk } from './lineage-model.js';

/** `*` or `x.*` in a target list: the columns of the FROM items it names, in order. */
export function starColumns(fields: unknown[], scope: Scope): Column[] {
  if (fields.length === 1) return scope.items.flatMap(itemColumns);
  const item = findItem(scope, nameOf(fields[fields.length - 2]));
  return item ? itemColumns(item) : [unknownRun()];
}

export function itemColumns(item: FromItem): Column[] {
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

/** A column reference, resolved against the FROM items in scope (innermost first). */
export function columnRef(fields: unknown[], scope: Scope, walk: Walk): Flow {
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
export function columnOf(item: FromItem, name: string, walk: Walk, loose = false): Flow {
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

export function wholeRow(item: FromItem, walk: Walk): Flow {
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

export function findItem(scope: Scope, name: string | undefined): FromItem | undefined {
  if (name === undefined) return undefined;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    for (const item of s.items) {
      const found = item.alias === name ? item : item.kind === 'join' && item.alias === null ? findItem({ items: item.items, ctes: s.ctes, parent: undefined }, name) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}
