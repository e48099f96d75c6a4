/**
 * Masks BigQuery result rows (jobs.query, jobs.getQueryResults, tabledata.list responses).
 * Rows are `{ f: [{ v }] }`, positionally aligned with `schema.fields`; every scalar arrives as a
 * string (or null), RECORD values are nested `{ f: [...] }` and REPEATED values are lists of
 * `{ v }`. Column globs apply to a field's own name and to its dotted name (`address.email`);
 * a matching RECORD masks everything inside it. Masked STRING values get the masker's
 * replacement; other types become `null`, so clients that parse values by type still work.
 * Without a schema (tabledata.list carries none: pass the table's), column globs cannot be
 * applied and every value is masked (fail closed). The input is never written to.
 */
import type { DetectorName, Masker } from '@jitgate/masking';

export interface BigQueryField {
  name: string;
  type?: string;
  mode?: string;
  fields?: BigQueryField[];
}

export interface BigQueryMaskResult {
  body: unknown;
  /** Values replaced (whole or in part). */
  maskedValues: number;
  hits: DetectorName[];
}

const MAX_DEPTH = 32;
const TEXT_TYPES = new Set(['STRING', 'JSON']);
// Numbers can be card or national-id numbers: scanned, and nulled when a detector fires.
const NUMERIC_TYPES = new Set(['INTEGER', 'INT64', 'NUMERIC', 'BIGNUMERIC']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function maskBigQueryRows(response: unknown, masker: Masker, schema?: { fields?: unknown } | readonly BigQueryField[]): BigQueryMaskResult {
  if (!isRecord(response) || !Object.hasOwn(response, 'rows')) return { body: response, maskedValues: 0, hits: [] };
  const run = new RowMasking(masker);
  const given = Array.isArray(schema) ? schema : isRecord(schema) ? schema['fields'] : undefined;
  const ownSchema = isRecord(response['schema']) ? response['schema']['fields'] : undefined;
  const fields = validFields(given ?? ownSchema, 0);
  const rows = response['rows'];
  const masked = Array.isArray(rows) ? rows.map((r) => run.row(r, fields, '', false, 0)) : [];
  if (!Array.isArray(rows) && rows !== undefined && rows !== null) run.count++;
  return { body: { ...response, rows: masked }, maskedValues: run.count, hits: [...run.hits] };
}

/** A usable field list, or `null` (then every value is masked). */
function validFields(v: unknown, depth: number): BigQueryField[] | null {
  if (!Array.isArray(v) || depth > MAX_DEPTH) return null;
  const out: BigQueryField[] = [];
  for (const f of v) {
    if (!isRecord(f) || typeof f['name'] !== 'string') return null;
    const field: BigQueryField = { name: f['name'] };
    if (typeof f['type'] === 'string') field.type = f['type'].toUpperCase();
    if (typeof f['mode'] === 'string') field.mode = f['mode'].toUpperCase();
    if (f['fields'] !== undefined) {
      const nested = validFields(f['fields'], depth + 1);
      if (nested === null) return null;
      field.fields = nested;
    }
    out.push(field);
  }
  return out;
}

class RowMasking {
  count = 0;
  readonly hits = new Set<DetectorName>();
  private readonly blind: boolean;

  constructor(private readonly masker: Masker) {
    const d = masker.describe();
    // With column globs and no schema, nothing says which value is which: mask all.
    this.blind = d.columns.length > 0;
  }

  /** `fields === null`: no usable schema. */
  row(row: unknown, fields: BigQueryField[] | null, prefix: string, inherited: boolean, depth: number): unknown {
    if (!isRecord(row) || !Array.isArray(row['f'])) return this.redactAll(row, depth);
    const cells = row['f'] as unknown[];
    if (fields !== null && fields.length !== cells.length) return this.redactAll(row, depth);
    const f = cells.map((cell, i) => {
      const field = fields?.[i];
      if (!isRecord(cell)) return this.redactAll(cell, depth);
      return { ...cell, v: this.value(cell['v'], field, prefix, inherited || (field === undefined && this.blind), depth + 1, false) };
    });
    return { ...row, f };
  }

  private value(v: unknown, field: BigQueryField | undefined, prefix: string, inherited: boolean, depth: number, inList: boolean): unknown {
    if (depth > MAX_DEPTH) return this.redactAll(v, depth);
    if (v === null || v === undefined) return v;
    const dotted = field === undefined ? '' : prefix === '' ? field.name : `${prefix}.${field.name}`;
    const whole = inherited || (field !== undefined && (this.masker.columnRule(field.name) === 'mask' || this.masker.columnRule(dotted) === 'mask'));
    if (field?.mode === 'REPEATED' && !inList) {
      if (!Array.isArray(v)) return this.redactAll(v, depth);
      return v.map((item) => (isRecord(item) ? { ...item, v: this.value(item['v'], field, prefix, whole, depth + 1, true) } : this.redactAll(item, depth)));
    }
    if (field?.type === 'RECORD' || field?.type === 'STRUCT' || (field === undefined && isRecord(v))) {
      return this.row(v, field?.fields ?? null, dotted, whole, depth + 1);
    }
    if (typeof v !== 'string') return this.redactAll(v, depth);
    return this.scalar(v, field?.type, whole);
  }

  private scalar(v: string, type: string | undefined, whole: boolean): unknown {
    const text = type === undefined || TEXT_TYPES.has(type);
    if (whole) {
      this.count++;
      return text ? this.masker.maskColumnValue(v) : null;
    }
    if (!text && !NUMERIC_TYPES.has(type)) return v;
    const found = this.masker.scanText(v);
    if (found === undefined) return v;
    for (const h of found.hits) this.hits.add(h);
    this.count++;
    return text ? found.text : null;
  }

  /** Replaces every scalar under `v` (fail closed), keeping the shape. */
  private redactAll(v: unknown, depth: number): unknown {
    if (v === null || v === undefined) return v;
    if (depth > MAX_DEPTH || typeof v !== 'object') {
      this.count++;
      return typeof v === 'string' ? this.masker.maskColumnValue(v) : null;
    }
    if (Array.isArray(v)) return v.map((x) => this.redactAll(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // A JSON "__proto__" key is an own property; plain assignment would set the prototype.
      Object.defineProperty(out, k, { value: this.redactAll(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}
