import { compileMasker } from '@jitgate/masking';
import { describe, expect, it } from 'vitest';
import { maskBigQueryRows } from './bigquery-mask.js';

const masker = compileMasker({ columns: ['*email*', 'ssn'], detectors: ['email', 'payment_card'] });
const schema = {
  fields: [
    { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
    { name: 'note', type: 'STRING' },
    { name: 'ssn', type: 'INTEGER' },
    {
      name: 'contact',
      type: 'RECORD',
      fields: [
        { name: 'email', type: 'STRING' },
        { name: 'city', type: 'STRING' },
      ],
    },
    { name: 'tags', type: 'STRING', mode: 'REPEATED' },
    { name: 'card', type: 'INT64' },
  ],
};
const row = {
  f: [{ v: '1' }, { v: 'mail bob@example.com now' }, { v: '123456789' }, { v: { f: [{ v: 'a@b.co' }, { v: 'Paris' }] } }, { v: [{ v: 'x' }, { v: 'c@d.io' }] }, { v: '4111111111111111' }],
};

describe('maskBigQueryRows', () => {
  it('masks by column, dotted name and detector, keeping the row shape', () => {
    const response = { kind: 'bigquery#queryResponse', schema, rows: [row], totalRows: '1' };
    const frozen = JSON.stringify(response);
    const { body, maskedValues, hits } = maskBigQueryRows(response, masker);
    expect(body).toEqual({
      ...response,
      rows: [
        {
          f: [{ v: '1' }, { v: 'mail [REDACTED:email] now' }, { v: null }, { v: { f: [{ v: '[REDACTED]' }, { v: 'Paris' }] } }, { v: [{ v: 'x' }, { v: '[REDACTED:email]' }] }, { v: null }],
        },
      ],
    });
    expect(maskedValues).toBe(5);
    expect(hits.sort()).toEqual(['email', 'payment_card']);
    expect(JSON.stringify(response)).toBe(frozen);
  });

  it('takes the schema as a parameter for tabledata.list', () => {
    const { body } = maskBigQueryRows({ kind: 'bigquery#tableDataList', rows: [row] }, masker, schema);
    expect((body as { rows: (typeof row)[] }).rows[0]!.f[2]).toEqual({ v: null });
  });

  it('masks a whole RECORD whose name matches, and every value when there is no schema', () => {
    const m = compileMasker({ columns: ['contact'], detectors: [] });
    const { body } = maskBigQueryRows({ schema, rows: [row] }, m);
    expect((body as { rows: (typeof row)[] }).rows[0]!.f[3]).toEqual({ v: { f: [{ v: '[REDACTED]' }, { v: '[REDACTED]' }] } });
    const blind = maskBigQueryRows({ rows: [row] }, m);
    expect(JSON.stringify(blind.body)).not.toContain('Paris');
  });

  it('fails closed on rows that do not fit the schema', () => {
    const { body, maskedValues } = maskBigQueryRows({ schema, rows: [{ f: [{ v: 'a@b.co' }] }] }, masker);
    expect(body).toEqual({ schema, rows: [{ f: [{ v: '[REDACTED]' }] }] });
    expect(maskedValues).toBe(1);
  });

  it('leaves responses without rows alone', () => {
    const r = { kind: 'bigquery#queryResponse', jobComplete: false };
    expect(maskBigQueryRows(r, masker).body).toBe(r);
  });
});
