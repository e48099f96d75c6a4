import { describe, expect, it } from 'vitest';
import { compileMasker } from '@jitgate/masking';
import { RowLayout } from './pg-row-masker.js';

const TEXT = 25;
const INT4 = 23;
const JSONB = 3802;
const masker = compileMasker({ columns: ['*card*', 'secret_id'], detectors: ['email'] });
const b = (s: string) => Buffer.from(s, 'utf8');

describe('RowLayout', () => {
  it('passes rows through untouched when no column needs work', () => {
    const layout = new RowLayout([{ name: 'id', typeOid: INT4, format: 0 }, { name: 'total', typeOid: 1700, format: 0 }], masker);
    expect(layout.passThrough).toBe(true);
  });

  it('replaces masked columns by type: text becomes the marker, other types NULL; scans text for content', () => {
    const layout = new RowLayout(
      [
        { name: 'card_number', typeOid: TEXT, format: 0 },
        { name: 'secret_id', typeOid: INT4, format: 0 },
        { name: 'email', typeOid: TEXT, format: 0 },
        { name: 'count', typeOid: INT4, format: 0 },
      ],
      masker,
    );
    const out = layout.mask([b('4111 1111 1111 1111'), b('42'), b('write to a@example.com'), b('7')]);
    expect(out.masked).toBe(3);
    expect(out.values?.map((v) => v?.toString() ?? null)).toEqual(['[REDACTED]', null, 'write to [REDACTED:email]', '7']);
  });

  it('keeps NULLs and leaves rows without findings as they were (no copy)', () => {
    const layout = new RowLayout([{ name: 'email', typeOid: TEXT, format: 0 }], masker);
    expect(layout.mask([null])).toEqual({ values: undefined, masked: 0 });
    expect(layout.mask([b('nothing here')])).toEqual({ values: undefined, masked: 0 });
  });

  it('masks inside JSON and keeps it valid JSON, in text and in jsonb binary form', () => {
    const layout = new RowLayout([{ name: 'doc', typeOid: JSONB, format: 0 }, { name: 'doc_bin', typeOid: JSONB, format: 1 }], masker);
    const json = JSON.stringify({ to: 'a@example.com', n: 1 });
    const out = layout.mask([b(json), Buffer.concat([Buffer.of(1), b(json)])]);
    expect(JSON.parse(out.values![0]!.toString())).toEqual({ to: '[REDACTED:email]', n: 1 });
    expect(out.values![1]![0]).toBe(1);
    expect(JSON.parse(out.values![1]!.subarray(1).toString())).toEqual({ to: '[REDACTED:email]', n: 1 });
  });
});
