// Masking of result rows (docs/postgres.md, "Masking"). Decided once per RowDescription: each
// column is passed, replaced whole (its name matches a glob), or scanned by the content
// detectors. Replacements keep the protocol valid: a text-like value stays text of its type,
// JSON stays JSON, and a value that cannot hold the marker (a number, a date, a binary
// value of another type) becomes NULL rather than a lie of the wrong type.
import type { Masker } from '@jitgate/masking';
import { isTextLikeType } from '@jitgate/masking';

const OID_JSON = 114;
const OID_JSONB = 3802;
const OID_XML = 142;

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

export class RowLayout {
  private readonly actions: ColumnAction[];
  /** True when no column needs work: rows go through untouched, without being decoded. */
  readonly passThrough: boolean;

  constructor(
    fields: readonly RowField[],
    private readonly masker: Masker,
  ) {
    this.actions = fields.map((field) => actionFor(field, masker));
    this.passThrough = this.actions.every((a) => a.kind === 'pass');
  }

  get columnCount(): number {
    return this.actions.length;
  }

  /** Masks the values of one DataRow; `values` come from the decoder and are not modified. */
  mask(values: ReadonlyArray<Buffer | null>): MaskOutcome {
    let out: Array<Buffer | null> | undefined;
    let masked = 0;
    const count = Math.min(values.length, this.actions.length);
    for (let i = 0; i < count; i++) {
      const action = this.actions[i] as ColumnAction;
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

  private replaceWhole(action: Extract<ColumnAction, { kind: 'mask' }>, value: Buffer): Buffer | null {
    if (!isTextLikeType(action.oid) || action.oid === OID_XML) return null;
    const isJson = action.oid === OID_JSON || action.oid === OID_JSONB;
    // The masker may keep a tail ("partial"); it sees the value only as text.
    const replacement = this.masker.maskColumnValue(isJson ? '' : value.toString('utf8'));
    return isJson ? encodeJson(action.oid, action.binary, JSON.stringify(replacement)) : Buffer.from(replacement, 'utf8');
  }

  private scan(action: Extract<ColumnAction, { kind: 'scan' }>, value: Buffer): Buffer | null | undefined {
    const isJson = action.oid === OID_JSON || action.oid === OID_JSONB;
    // jsonb's binary form is a version byte (1) and the JSON text.
    const offset = action.oid === OID_JSONB && action.binary ? 1 : 0;
    const text = value.toString('utf8', offset);
    const found = this.masker.scanText(text);
    if (!found) return undefined;
    if (!isJson) return Buffer.from(found.text, 'utf8');
    try {
      const masked = this.masker.maskJson(JSON.parse(text) as unknown).value;
      return encodeJson(action.oid, action.binary, JSON.stringify(masked));
    } catch {
      // Not JSON after all (cannot happen for a json column): fail closed.
      return null;
    }
  }
}

function actionFor(field: RowField, masker: Masker): ColumnAction {
  const rule = masker.columnRule(field.name);
  const binary = field.format === 1;
  if (rule === 'pass') return { kind: 'pass' };
  if (rule === 'mask') return { kind: 'mask', oid: field.typeOid, binary };
  // Only text can carry an e-mail address or a key; numbers and dates are left alone.
  if (!isTextLikeType(field.typeOid) || field.typeOid === OID_XML) return { kind: 'pass' };
  return { kind: 'scan', oid: field.typeOid, binary };
}

/** JSON text as a json or jsonb value in the column's format. */
function encodeJson(oid: number, binary: boolean, json: string): Buffer {
  const bytes = Buffer.from(json, 'utf8');
  return oid === OID_JSONB && binary ? Buffer.concat([Buffer.of(1), bytes]) : bytes;
}
