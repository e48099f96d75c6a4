// The BigQuery stand-in's deliberately tiny SQL: enough for a client to read rows back and for a
// test to see which statements reached "BigQuery" (the gateway's guardrails are tested by what
// never arrives here). Anything it does not understand is Google's 400 invalidQuery.
import { badRequest, notFound } from './google-api-http.js';

export interface BigQueryField {
  name: string;
  /** STRING, INTEGER/INT64, FLOAT/FLOAT64, NUMERIC, BOOLEAN/BOOL, TIMESTAMP, DATE, … */
  type: string;
}

export type BigQueryValue = string | number | boolean | null | Date;

export interface BigQueryTable {
  schema: readonly BigQueryField[];
  /** Rows as objects keyed by column name. */
  rows: ReadonlyArray<Readonly<Record<string, BigQueryValue>>>;
}

export type StatementKind = 'select' | 'dml' | 'ddl';

export type ParsedStatement = { kind: 'select'; table: string; columns: readonly string[] | '*'; limit: number | undefined } | { kind: 'dml' | 'ddl'; verb: string };

const SELECT = /^SELECT\s+(\*|[A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)\s+FROM\s+(`[^`]+`|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*){1,2})(?:\s+LIMIT\s+(\d+))?$/i;
const DML = /^(INSERT|UPDATE|DELETE|MERGE)\b/i;
const DDL = /^(CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE)\b/i;

export function parseStatement(sql: string): ParsedStatement {
  const text = sql.trim().replace(/;\s*$/, '').trim();
  const dml = DML.exec(text);
  if (dml) return { kind: 'dml', verb: (dml[1] as string).toUpperCase() };
  const ddl = DDL.exec(text);
  if (ddl) return { kind: 'ddl', verb: (ddl[1] as string).toUpperCase() };
  const select = SELECT.exec(text);
  if (!select) throw badRequest(`Syntax error: the BigQuery stand-in runs only SELECT <columns|*> FROM \`[project.]dataset.table\` [LIMIT n], DML and DDL: "${text.slice(0, 120)}"`, 'invalidQuery');
  const columns = select[1] === '*' ? '*' : (select[1] as string).split(',').map((c) => c.trim());
  return { kind: 'select', table: (select[2] as string).replace(/`/g, ''), columns, limit: select[3] === undefined ? undefined : Number(select[3]) };
}

export interface QueryResult {
  fields: BigQueryField[];
  rows: Array<Record<string, BigQueryValue>>;
}

/** Runs a SELECT against the in-memory tables of `projectId` (keys `dataset.table`). */
export function runSelect(statement: Extract<ParsedStatement, { kind: 'select' }>, projectId: string, tables: Readonly<Record<string, BigQueryTable>>): QueryResult {
  const parts = statement.table.split('.');
  const [project, dataset, table] = parts.length === 3 ? parts : [projectId, ...parts];
  const found = project === projectId ? tables[`${dataset}.${table}`] : undefined;
  if (!found) throw notFound(`Not found: Table ${project}:${dataset}.${table} was not found in location US`);
  const fields =
    statement.columns === '*'
      ? [...found.schema]
      : statement.columns.map((name, i) => {
          const field = found.schema.find((f) => f.name.toLowerCase() === name.toLowerCase());
          if (!field) throw badRequest(`Unrecognized name: ${name} at [1:${8 + i}]`, 'invalidQuery');
          return field;
        });
  const rows = found.rows.slice(0, statement.limit ?? found.rows.length).map((row) => Object.fromEntries(fields.map((f) => [f.name, row[f.name] ?? null])));
  return { fields, rows };
}

/** The REST shape of a schema: `{fields: [{name, type, mode}]}`. */
export function schemaJson(fields: readonly BigQueryField[]): { fields: Array<{ name: string; type: string; mode: string }> } {
  return { fields: fields.map((f) => ({ name: f.name, type: f.type.toUpperCase(), mode: 'NULLABLE' })) };
}

/**
 * Rows in the REST shape, `{f: [{v}]}`, every value a string as the API sends it. TIMESTAMP is
 * microseconds since the epoch when the client asked for `formatOptions.useInt64Timestamp` (the
 * Node client always does), else seconds as a float.
 */
export function rowsJson(fields: readonly BigQueryField[], rows: ReadonlyArray<Record<string, BigQueryValue>>, int64Timestamp: boolean): Array<{ f: Array<{ v: string | null }> }> {
  return rows.map((row) => ({ f: fields.map((field) => ({ v: cell(field, row[field.name] ?? null, int64Timestamp) })) }));
}

function cell(field: BigQueryField, value: BigQueryValue, int64Timestamp: boolean): string | null {
  if (value === null) return null;
  const type = field.type.toUpperCase();
  if (type === 'TIMESTAMP') {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value));
    return int64Timestamp ? String(BigInt(Math.round(ms)) * 1000n) : String(ms / 1000);
  }
  if (type === 'DATE' && value instanceof Date) return value.toISOString().slice(0, 10);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
