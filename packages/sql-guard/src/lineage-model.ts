// The working model of the lineage walk (column-lineage.ts): a flow of values, the columns of a
// query while it is walked, the items of a FROM list and their scopes, and small readers of
// libpg-query's JSON tree.
import { isObj, nameList, str, type Obj } from './parse-tree.util.js';

/** Functions that read whole tables or queries named by a string and return them as a document. */
export const DOCUMENT_FUNCTIONS: ReadonlySet<string> = new Set([
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
export const VALUE_SUBLINKS: ReadonlySet<string> = new Set(['EXPR_SUBLINK', 'ARRAY_SUBLINK', 'MULTIEXPR_SUBLINK', 'CTE_SUBLINK']);

/** A flow of values: source column names and whether anything unknown joins it. */
export class Flow {
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
export interface Column {
  run: boolean;
  name: string | null;
  certain: boolean;
  flow: Flow;
}

/** Something in a FROM list. */
export type FromItem =
  | { kind: 'table'; alias: string; renamed: boolean }
  | { kind: 'derived'; alias: string | null; columns: Column[] }
  | { kind: 'function'; alias: string | null; flow: Flow }
  | { kind: 'join'; alias: string | null; items: FromItem[]; merges: boolean };

export interface Scope {
  items: FromItem[];
  ctes: Map<string, Column[]>;
  parent: Scope | undefined;
}

export class Walk {
  readonly reads = new Set<string>();
  opaque = false;
  writes: Flow | null = null;

  write(flow: Flow): void {
    this.writes = (this.writes ?? new Flow()).add(flow);
  }
}

/** The name PostgreSQL gives an unaliased result column, where it matters here (FigureColname). */
export function figureName(val: unknown): string | null {
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
      return figureName(n['arg']) ?? nameList(isObj(n['typeName']) ? n['typeName']['names'] : undefined).pop() ?? null;
    default:
      return null;
  }
}

export function unknownRun(): Column {
  return { run: true, name: null, certain: false, flow: Flow.unknown() };
}

export function union(columns: readonly Column[]): Flow {
  const flow = new Flow();
  for (const c of columns) flow.add(c.flow);
  return flow;
}

export function onlyEntry(node: Obj): [string, Obj] {
  const key = Object.keys(node)[0] ?? '';
  const value = node[key];
  return [key, isObj(value) ? value : {}];
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function isStar(field: unknown): boolean {
  return isObj(field) && isObj(field['A_Star']);
}

export function nameOf(field: unknown): string | undefined {
  return isObj(field) && isObj(field['String']) ? str(field['String']['sval'])?.toLowerCase() : undefined;
}

export function aliasOf(n: Obj): string | undefined {
  return isObj(n['alias']) ? str(n['alias']['aliasname'])?.toLowerCase() : undefined;
}

export function aliasColumns(n: Obj): string[] {
  return isObj(n['alias']) ? nameList(n['alias']['colnames']) : [];
}
