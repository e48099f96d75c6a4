import { describe, expect, it } from 'vitest';
import { compileMasker } from '@jitgate/masking';
import type { StatementLineage } from '@jitgate/sql-guard';
import { RowLayout, taintedColumns } from './pg-row-masker.js';
import { decodeNumeric } from './pg-value-text.js';

const TEXT = 25;
const INT4 = 23;
const INT8 = 20;
const BYTEA = 17;
const JSONB = 3802;
const RECORD = 2249;
const masker = compileMasker({ columns: ['*card*', 'secret_id', 'name'], detectors: ['email', 'payment_card'] });
const b = (s: string) => Buffer.from(s, 'utf8');
const plain = (n: number): StatementLineage => ({ columns: Array.from({ length: n }, () => ({ kind: 'column', sources: [], opaque: false })), reads: [], opaque: false, writes: null });

describe('RowLayout', () => {
  it('passes rows through untouched when no column needs work', () => {
    const noDetectors = compileMasker({ columns: ['*card*'], detectors: [] });
    const layout = new RowLayout(
      [
        { name: 'id', typeOid: INT4, format: 0 },
        { name: 'total', typeOid: 1700, format: 0 },
      ],
      noDetectors,
      plain(2),
    );
    expect(layout.passThrough).toBe(true);
  });

  it('replaces masked columns by type: text becomes the marker, other types NULL; scans every type for content', () => {
    const layout = new RowLayout(
      [
        { name: 'card_number', typeOid: TEXT, format: 0 },
        { name: 'secret_id', typeOid: INT4, format: 0 },
        { name: 'email', typeOid: TEXT, format: 0 },
        { name: 'count', typeOid: INT4, format: 0 },
        { name: 'as_number', typeOid: INT8, format: 0 },
      ],
      masker,
      plain(5),
    );
    const out = layout.mask([b('4111 1111 1111 1111'), b('42'), b('write to a@example.com'), b('7'), b('4111111111111111')]);
    expect(out.masked).toBe(4);
    expect(out.values?.map((v) => v?.toString() ?? null)).toEqual(['[REDACTED]', null, 'write to [REDACTED:email]', '7', null]);
  });

  it('masks a column whole when the lineage says a masked column flows into it, whatever it is called', () => {
    const lineage: StatementLineage = {
      columns: [
        { kind: 'column', sources: ['name'], opaque: false },
        { kind: 'column', sources: ['id'], opaque: false },
      ],
      reads: ['name', 'id'],
      opaque: false,
      writes: null,
    };
    const layout = new RowLayout(
      [
        { name: 'x', typeOid: TEXT, format: 0 },
        { name: 'y', typeOid: TEXT, format: 0 },
      ],
      masker,
      lineage,
    );
    expect(layout.mask([b('Ada Lovelace'), b('1')]).values?.map((v) => v?.toString() ?? null)).toEqual(['[REDACTED]', '1']);
  });

  it('reads bytea, composite values and binary numbers, and redacts what it cannot read', () => {
    const layout = new RowLayout(
      [
        { name: 'b', typeOid: BYTEA, format: 0 },
        { name: 'r', typeOid: RECORD, format: 0 },
        { name: 'n', typeOid: INT8, format: 1 },
        { name: 'rb', typeOid: RECORD, format: 1 },
        { name: 'bb', typeOid: BYTEA, format: 1 },
      ],
      masker,
      plain(5),
    );
    const int8 = Buffer.alloc(8);
    int8.writeBigInt64BE(4111111111111111n);
    const out = layout.mask([b(`\\x${Buffer.from('mail a@example.com').toString('hex')}`), b('(1,a@example.com)'), int8, b('opaque'), b('a@example.com')]);
    expect(Buffer.from(out.values![0]!.toString().slice(2), 'hex').toString()).toBe('mail [REDACTED:email]');
    expect(out.values![1]!.toString()).toBe('(1,[REDACTED:email])');
    expect(out.values![2]).toBeNull();
    expect(out.values![3]).toBeNull();
    expect(out.values![4]!.toString()).toBe('[REDACTED:email]');
  });

  it('keeps NULLs and leaves rows without findings as they were (no copy)', () => {
    const layout = new RowLayout([{ name: 'email', typeOid: TEXT, format: 0 }], masker, plain(1));
    expect(layout.mask([null])).toEqual({ values: undefined, masked: 0 });
    expect(layout.mask([b('nothing here')])).toEqual({ values: undefined, masked: 0 });
  });

  it('masks inside JSON and keeps it valid JSON, in text and in jsonb binary form', () => {
    const layout = new RowLayout(
      [
        { name: 'doc', typeOid: JSONB, format: 0 },
        { name: 'doc_bin', typeOid: JSONB, format: 1 },
      ],
      masker,
      plain(2),
    );
    const json = JSON.stringify({ to: 'a@example.com', n: 1 });
    const out = layout.mask([b(json), Buffer.concat([Buffer.of(1), b(json)])]);
    expect(JSON.parse(out.values![0]!.toString())).toEqual({ to: '[REDACTED:email]', n: 1 });
    expect(out.values![1]![0]).toBe(1);
    expect(JSON.parse(out.values![1]!.subarray(1).toString())).toEqual({ to: '[REDACTED:email]', n: 1 });
  });
});

describe('taintedColumns', () => {
  const col = (...sources: string[]) => ({ kind: 'column' as const, sources, opaque: false });
  const run = (opaque = false) => ({ kind: 'run' as const, sources: [], opaque });
  const lineage = (columns: StatementLineage['columns'], extra: Partial<StatementLineage> = {}): StatementLineage => ({ columns, reads: [], opaque: false, writes: null, ...extra });

  it('maps columns by position, around one run of unknown length', () => {
    expect(taintedColumns(2, lineage([col('name'), col('id')]), masker)).toEqual([true, false]);
    expect(taintedColumns(5, lineage([col('name'), run(), col('id')]), masker)).toEqual([true, false, false, false, false]);
    expect(taintedColumns(4, lineage([col('id'), run(true), col('x')]), masker)).toEqual([false, true, true, false]);
  });

  it('fails closed where the mapping is unknown', () => {
    expect(taintedColumns(3, null, masker)).toEqual([true, true, true]);
    expect(taintedColumns(3, lineage([col('name'), col('id')]), masker)).toEqual([true, true, true]);
    expect(taintedColumns(2, lineage(null, { reads: ['name'] }), masker)).toEqual([true, true]);
    expect(taintedColumns(2, lineage(null, { reads: ['id'] }), masker)).toEqual([false, false]);
  });

  it('masks nothing by lineage when no column is masked by name', () => {
    expect(taintedColumns(2, null, compileMasker({ columns: [], detectors: ['email'] }))).toEqual([false, false]);
  });
});

describe('decodeNumeric', () => {
  it.each([
    [[1, 0, 0, 0, 123], '123'],
    [[4, 3, 0, 0, 4111, 1111, 1111, 1111], '4111111111111111'],
    [[2, 0, 0x4000, 2, 12, 3400], '-12.34'],
    [[1, -1, 0, 3, 500], '0.050'],
    [[0, 0, 0xc000, 0], 'NaN'],
  ])('%j → %s', (words, text) => {
    const [ndigits, weight, sign, dscale, ...digits] = words as number[];
    const buf = Buffer.alloc(8 + digits.length * 2);
    buf.writeInt16BE(ndigits!, 0);
    buf.writeInt16BE(weight!, 2);
    buf.writeUInt16BE(sign!, 4);
    buf.writeInt16BE(dscale!, 6);
    digits.forEach((d, i) => void buf.writeInt16BE(d, 8 + i * 2));
    expect(decodeNumeric(buf)).toBe(text);
  });
});
