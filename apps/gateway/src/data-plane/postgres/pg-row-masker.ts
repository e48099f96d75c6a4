// Masking of result rows (docs/postgres.md, "What the client sees: masking"). Decided once per
// RowDescription: a column is masked whole when its name matches a column glob or when the
// statement's lineage says a masked column's values flow into it (an alias, an expression, a row
// value, a subquery…: column-lineage.ts in @jitgate/sql-guard); every other column is scanned by
// the content detectors, whatever its type and format (pg-value-text.ts). Fail closed: a value the
// gateway cannot read is redacted whole, and a result whose columns the lineage cannot place is
// masked whole wherever a masked column may flow.
//
// Replacements keep the protocol valid: text stays text of its type, JSON stays JSON, bytea stays
// bytea, and a value that cannot hold the marker (a number, a date, an array in binary) becomes
// NULL rather than a lie of the wrong type.
import type { Masker } from '@jitgate/masking';
import type { LineageItem, StatementLineage } from '@jitgate/sql-guard';
import { NUMERIC_TYPES, OID, valueText } from './pg-value-text.js';

type ColumnAction = { kind: 'pass' } | { kind: 'mask'; oid: number; binary: boolean } | { kind: 'scan'; oid: number; binary: boolean };

export interface RowField {
  name: string;
  typeOid: number;
  format: number;
}

/** What masking did to one row: the new values (or undefined when nothing changed). */
export interface MaskOutcome {
  values: Array<Buffer | null> | undefined;
  masked: number;
}

/** Types whose text form takes the marker in place of a span, or whole. */
const MARKER_TYPES: ReadonlySet<number> = new Set([OID.text, OID.varchar, OID.bpchar, OID.name, OID.unknown, OID.char]);

export class RowLayout {
  private readonly actions: ColumnAction[];
  /** True when no column needs work: rows go through untouched, without being decoded. */
  readonly passThrough: boolean;

  constructor(
    fields: readonly RowField[],
    private readonly masker: Masker,
    lineage: StatementLineage | null,
  ) {
    const tainted = taintedColumns(fields.length, lineage, masker);
    const scans = masker.describe().detectors.length > 0;
    this.actions = fields.map((field, i) => {
      const binary = field.format === 1;
      if (tainted[i] || masker.columnRule(field.name) === 'mask') return { kind: 'mask', oid: field.typeOid, binary };
      return scans ? { kind: 'scan', oid: field.typeOid, binary } : { kind: 'pass' };
    });
    this.passThrough = this.actions.every((a) => a.kind === 'pass');
  }

  get columnCount(): number {
    return this.actions.length;
  }

  /** Masks the values of one DataRow; `values` come from the decoder and are not modified. */
  mask(values: ReadonlyArray<Buffer | null>): MaskOutcome {
    let out: Array<Buffer | null> | undefined;
    let masked = 0;
    // A row with more values than its description: the extra ones are not described, so not masked: refuse them.
    const count = values.length;
    for (let i = 0; i < count; i++) {
      const action = this.actions[i] ?? { kind: 'mask', oid: 0, binary: true };
      const value = values[i] ?? null;
      if (action.kind === 'pass' || value === null) continue;
      const replacement = action.kind === 'mask' ? this.replaceWhole(action, value) : this.scan(action, value);
      if (replacement === undefined) continue;
      out ??= values.slice();
      out[i] = replacement;
      masked += 1;
    }
    return { values: out, masked };
  }

  private replaceWhole(action: Exclude<ColumnAction, { kind: 'pass' }>, value: Buffer): Buffer | null {
    const { oid, binary } = action;
    if (oid === OID.json || oid === OID.jsonb) return encodeJson(oid, binary, JSON.stringify(this.masker.maskColumnValue('')));
    if (MARKER_TYPES.has(oid)) return Buffer.from(this.masker.maskColumnValue(value.toString('utf8')), 'utf8');
    if (oid === OID.bytea) return encodeBytea(binary, Buffer.from(this.masker.maskColumnValue(''), 'utf8'));
    return null;
  }

  private scan(action: Extract<ColumnAction, { kind: 'scan' }>, value: Buffer): Buffer | null | undefined {
    const { oid, binary } = action;
    const read = valueText(oid, binary, value);
    if (read.kind === 'nothing') return undefined;
    // What the gateway cannot read, it does not let through.
    if (read.kind === 'unreadable') return null;
    const found = this.masker.scanText(read.text);
    if (!found) return undefined;
    if (oid === OID.json || oid === OID.jsonb) {
      try {
        return encodeJson(oid, binary, JSON.stringify(this.masker.maskJson(JSON.parse(read.text) as unknown).value));
      } catch {
        return null;
      }
    }
    if (oid === OID.bytea) return encodeBytea(binary, Buffer.from(found.text, 'utf8'));
    if (NUMERIC_TYPES.has(oid)) return null;
    // Text, XML, arrays, composite and other text forms keep their shape around the marker;
    // in binary only the types that are their text can.
    if (binary && !MARKER_TYPES.has(oid) && oid !== OID.xml) return null;
    return Buffer.from(found.text, 'utf8');
  }
}

/**
 * Which of `count` result columns a masked column may flow into, by the statement's lineage.
 * Columns map to lineage items by position; a `run` (a `*` over a table) stands for the columns
 * between the items before and after it. Where the mapping is ambiguous or unknown, every column
 * a masked value may reach is masked.
 */
export function taintedColumns(count: number, lineage: StatementLineage | null, masker: Masker): boolean[] {
  const hasGlobs = masker.describe().columns.length > 0;
  if (!hasGlobs) return new Array<boolean>(count).fill(false);
  const isMasked = (name: string) => masker.columnRule(name) === 'mask';
  const taint = (item: LineageItem) => item.opaque || item.sources.some(isMasked);
  if (lineage === null) return new Array<boolean>(count).fill(true);
  const items = lineage.columns;
  if (items === null) {
    // Rows nobody described here (CALL's OUT parameters, an EXECUTE or FETCH of something unknown):
    // masked whole if the statement reads a masked column at all.
    const reads = lineage.opaque || lineage.reads.some(isMasked);
    return new Array<boolean>(count).fill(reads);
  }
  const runs = items.map((item, i) => (item.kind === 'run' ? i : -1)).filter((i) => i >= 0);
  const anyTaint = items.some(taint);
  if (runs.length === 0) {
    if (items.length !== count) return new Array<boolean>(count).fill(anyTaint || lineage.opaque);
    return items.map(taint);
  }
  const firstRun = runs[0]!;
  const lastRun = runs[runs.length - 1]!;
  const before = items.slice(0, firstRun);
  const after = items.slice(lastRun + 1);
  if (before.length + after.length > count) return new Array<boolean>(count).fill(anyTaint || lineage.opaque);
  const middle = items.slice(firstRun, lastRun + 1).some(taint);
  const out = new Array<boolean>(count).fill(middle);
  before.forEach((item, i) => void (out[i] = taint(item)));
  after.forEach((item, i) => void (out[count - after.length + i] = taint(item)));
  return out;
}

/** JSON text as a json or jsonb value in the column's format. */
function encodeJson(oid: number, binary: boolean, json: string): Buffer {
  const bytes = Buffer.from(json, 'utf8');
  return oid === OID.jsonb && binary ? Buffer.concat([Buffer.of(1), bytes]) : bytes;
}

/** Bytes as a bytea value: raw in binary, `\x` and hex in text. */
function encodeBytea(binary: boolean, bytes: Buffer): Buffer {
  return binary ? bytes : Buffer.from(`\\x${bytes.toString('hex')}`, 'latin1');
}
