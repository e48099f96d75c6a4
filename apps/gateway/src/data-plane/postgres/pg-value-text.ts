// The text a result value carries, for the content detectors (pg-row-masker.ts): every value of
// every type is read, in either format. Text-format values are text already (the session's
// client_encoding is pinned to UTF8); bytea is decoded from its hex or escape form to the bytes
// it holds; binary-format values are decoded for the built-in types that can hold digits or
// text. Everything else returns `unreadable`: the masker then redacts it whole.
// Wire formats: https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES
// and each type's send function in src/backend/utils/adt (int8send, numeric_send, …).

export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  unknown: 705,
  money: 790,
  macaddr: 829,
  inet: 869,
  cidr: 650,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Types whose binary form is their text in UTF-8 (jsonb adds a version byte). */
const TEXT_BINARY: ReadonlySet<number> = new Set([OID.text, OID.varchar, OID.bpchar, OID.name, OID.unknown, OID.json, OID.xml, OID.char]);

/** Types that hold a number: a detector hit (a card number kept as bigint) becomes NULL, not text in a number. */
export const NUMERIC_TYPES: ReadonlySet<number> = new Set([OID.int2, OID.int4, OID.int8, OID.oid, OID.float4, OID.float8, OID.numeric, OID.money]);

/** Types whose values cannot hold anything a detector finds (no free text, no long digit run). */
const NOTHING_TO_FIND: ReadonlySet<number> = new Set([OID.bool, OID.date, OID.time, OID.timetz, OID.timestamp, OID.timestamptz, OID.interval, OID.uuid, OID.inet, OID.cidr, OID.macaddr]);

export type ValueText = { kind: 'text'; text: string } | { kind: 'nothing' } | { kind: 'unreadable' };

/** The text a value carries, by its type OID and format (0 text, 1 binary). */
export function valueText(oid: number, binary: boolean, value: Buffer): ValueText {
  if (oid === OID.bytea) {
    const bytes = binary ? value : decodeByteaText(value.toString('latin1'));
    return bytes ? { kind: 'text', text: bytes.toString('utf8') } : { kind: 'unreadable' };
  }
  if (!binary) return { kind: 'text', text: value.toString('utf8') };
  if (TEXT_BINARY.has(oid)) return { kind: 'text', text: value.toString('utf8') };
  if (oid === OID.jsonb) return value[0] === 1 ? { kind: 'text', text: value.toString('utf8', 1) } : { kind: 'unreadable' };
  if (NOTHING_TO_FIND.has(oid)) return { kind: 'nothing' };
  const number = binaryNumber(oid, value);
  return number === undefined ? { kind: 'unreadable' } : { kind: 'text', text: number };
}

/** bytea's text output: `\x` and hex digits (bytea_output = hex), or the escape format. */
export function decodeByteaText(text: string): Buffer | undefined {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    return /^(?:[0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    if (text[i + 1] === '\\') {
      out.push(0x5c);
      i += 1;
    } else if (/^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      out.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else return undefined;
  }
  return Buffer.from(out);
}

function binaryNumber(oid: number, value: Buffer): string | undefined {
  try {
    switch (oid) {
      case OID.int2:
        return value.length === 2 ? String(value.readInt16BE(0)) : undefined;
      case OID.int4:
        return value.length === 4 ? String(value.readInt32BE(0)) : undefined;
      case OID.oid:
        return value.length === 4 ? String(value.readUInt32BE(0)) : undefined;
      case OID.int8:
      case OID.money:
        return value.length === 8 ? String(value.readBigInt64BE(0)) : undefined;
      case OID.float4:
        return value.length === 4 ? String(value.readFloatBE(0)) : undefined;
      case OID.float8:
        return value.length === 8 ? String(value.readDoubleBE(0)) : undefined;
      case OID.numeric:
        return decodeNumeric(value);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** numeric_send: ndigits, weight, sign, dscale (int16 each), then base-10000 digits. */
export function decodeNumeric(value: Buffer): string | undefined {
  if (value.length < 8) return undefined;
  const ndigits = value.readInt16BE(0);
  const weight = value.readInt16BE(2);
  const sign = value.readUInt16BE(4);
  const dscale = value.readInt16BE(6);
  if (ndigits < 0 || value.length !== 8 + ndigits * 2 || dscale < 0) return undefined;
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  if (sign !== 0 && sign !== 0x4000) return undefined;
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = value.readInt16BE(8 + i * 2);
    if (d < 0 || d > 9999) return undefined;
    digits.push(d);
  }
  // Integer part: groups 0..weight; fraction: the rest, to dscale digits.
  let integer = '';
  for (let i = 0; i <= weight; i++) integer += i < digits.length ? String(digits[i]).padStart(i === 0 ? 1 : 4, '0') : '0000';
  if (integer === '') integer = '0';
  let fraction = '';
  for (let i = Math.max(weight + 1, 0); i < digits.length; i++) fraction += String(digits[i]).padStart(4, '0');
  if (weight < -1) fraction = '0000'.repeat(-weight - 1) + fraction;
  fraction = fraction.padEnd(dscale, '0').slice(0, dscale);
  integer = integer.replace(/^0+(?=\d)/, '');
  return `${sign === 0x4000 ? '-' : ''}${integer}${dscale > 0 ? `.${fraction}` : ''}`;
}
