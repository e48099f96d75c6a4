import { describe, expect, it } from 'vitest';
import { MaskingConfigError } from './errors.js';
import { globMatch } from './column-glob.js';
import { compileMasker, type MaskingConfig } from './masker.js';
import { TEXT_LIKE_TYPE_OIDS, isTextLikeType } from './pg-types.js';

describe('column globs', () => {
  const masker = compileMasker({ columns: ['*email*', 'card_number', 'SSN', 'api_?ey', '*_token'], detectors: [] });

  it.each([
    ['email', 'mask'],
    ['EMAIL', 'mask'],
    ['billing_email_address', 'mask'],
    ['card_number', 'mask'],
    ['Card_Number', 'mask'],
    ['ssn', 'mask'],
    ['api_key', 'mask'],
    ['refresh_token', 'mask'],
    ['card_number_hash', 'pass'],
    ['my_card_number', 'pass'],
    ['ssn2', 'pass'],
    ['api_keys', 'pass'],
    ['token', 'pass'],
    ['name', 'pass'],
    ['e-mail', 'pass'],
  ] as const)('%s → %s', (column, rule) => {
    expect(masker.columnRule(column)).toBe(rule);
  });

  it('treats regex characters in patterns literally', () => {
    const m = compileMasker({ columns: ['a+b', '(x)*', 'c|d', 'e$'], detectors: [] });
    expect(m.columnRule('a+b')).toBe('mask');
    expect(m.columnRule('aab')).toBe('pass');
    expect(m.columnRule('(x)yz')).toBe('mask');
    expect(m.columnRule('c')).toBe('pass');
    expect(m.columnRule('c|d')).toBe('mask');
    expect(m.columnRule('e$')).toBe('mask');
  });
});

describe('columnRule', () => {
  const scanning = compileMasker({ columns: ['password'], detectors: ['email'], textTypeOids: [16_385] });

  it('masks on a glob match whatever the type, scans text-like columns, passes the rest', () => {
    expect(scanning.columnRule('password', 23)).toBe('mask');
    expect(scanning.columnRule('notes')).toBe('scan');
    expect(scanning.columnRule('notes', 25)).toBe('scan');
    expect(scanning.columnRule('tags', 1009)).toBe('scan');
    expect(scanning.columnRule('id', 23)).toBe('pass'); // int4
    expect(scanning.columnRule('created_at', 1184)).toBe('pass'); // timestamptz
    expect(scanning.columnRule('mail', 16_385)).toBe('scan'); // citext's OID in this database
  });

  it('passes everything not matched when no detector is configured', () => {
    const m = compileMasker({ columns: ['password'], detectors: [] });
    expect(m.columnRule('notes', 25)).toBe('pass');
    expect(m.scanText('bob@example.com')).toBeUndefined();
  });
});

describe('TEXT_LIKE_TYPE_OIDS', () => {
  it('holds the built-in text-carrying types', () => {
    for (const oid of [25, 1043, 1042, 19, 114, 3802, 142, 705]) expect(TEXT_LIKE_TYPE_OIDS).toContain(oid);
    for (const oid of [16, 20, 21, 23, 700, 701, 1700, 1082, 1114, 1184, 2950, 869, 17]) expect(isTextLikeType(oid)).toBe(false);
    expect(isTextLikeType(16_385, new Set([16_385]))).toBe(true);
  });
});

describe('maskColumnValue', () => {
  it('redacts the whole value by default', () => {
    const m = compileMasker({ columns: ['*'], detectors: [] });
    expect(m.maskColumnValue('4111111111111111')).toBe('[REDACTED]');
    expect(m.maskColumnValue('')).toBe('[REDACTED]');
  });

  it.each([
    ['4111 1111 1111 1111', '[REDACTED:payment_card ****1111]'],
    [' 378282246310005 ', '[REDACTED:payment_card ****0005]'],
    ['123-45-6789', '[REDACTED:national_id ****6789]'],
    ['bob@example.com', '[REDACTED:email]@example.com'],
    ['+44 20 7946 0958', '[REDACTED:phone ****58]'],
    ['hunter2', '[REDACTED]'], // not a known shape: nothing is kept
    ['4111 1111 1111 1111 and more', '[REDACTED]'], // the value is more than one card
    ['AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', '[REDACTED]'], // secrets are never partial
  ])('partial: %j → %j', (value, masked) => {
    // Partial shapes apply to mask columns even when no content detector is configured.
    const m = compileMasker({ columns: ['*'], detectors: [], replacement: 'partial' });
    expect(m.maskColumnValue(value)).toBe(masked);
  });
});

describe('compileMasker config errors', () => {
  it.each([
    [{ columns: ['users.ssn'], detectors: [] }, 'invalid_column_pattern', /table-qualified/],
    [{ columns: [''], detectors: [] }, 'invalid_column_pattern', /1 to 128/],
    [{ columns: ['[abc]'], detectors: [] }, 'invalid_column_pattern', /only \* and \?/],
    [{ columns: ['{a,b}'], detectors: [] }, 'invalid_column_pattern', /only \* and \?/],
    [{ columns: ['a\nb'], detectors: [] }, 'invalid_column_pattern', /control/],
    [{ columns: [42], detectors: [] }, 'invalid_column_pattern', /string/],
    [{ columns: ['x'.repeat(129)], detectors: [] }, 'invalid_column_pattern', /1 to 128/],
    [{ columns: [], detectors: ['credit_card'] }, 'unknown_detector', /"credit_card": expected one of email/],
    [{ columns: [], detectors: [], replacement: 'hash' }, 'invalid_replacement', /"hash"/],
    [{ columns: [], detectors: [], textTypeOids: [-1] }, 'invalid_config', /textTypeOids/],
    [{ detectors: [] }, 'invalid_config', /columns/],
    [{ columns: [] }, 'invalid_config', /detectors/],
    [null, 'invalid_config', /object/],
  ])('%j → %s', (config, code, message) => {
    let error: unknown;
    try {
      compileMasker(config as unknown as MaskingConfig);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MaskingConfigError);
    expect((error as MaskingConfigError).code).toBe(code);
    expect((error as MaskingConfigError).message).toMatch(message);
  });
});

describe('describe', () => {
  it('reports the config in a stable order, no values', () => {
    const m = compileMasker({ columns: ['*email*'], detectors: ['jwt', 'email', 'jwt'], replacement: 'partial' });
    expect(m.describe()).toEqual({ columns: ['*email*'], detectors: ['email', 'jwt'], replacement: 'partial', textTypeOids: [] });
  });
});

describe('globMatch', () => {
  it.each([
    ['*', '', true],
    ['*', 'abc', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*ab*cd*', 'xxabyycdzz', true],
    ['*ab*cd*', 'xxabyycz', false],
    ['a*b*c', 'abcbc', true],
    ['a*b*c', 'abcbd', false],
    ['?', '', false],
  ])('%j ~ %j → %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });

  it('stays fast on a long key that almost matches', () => {
    // A backtracking regex for this pattern takes cubic time on such a key.
    const m = compileMasker({ columns: ['*a*a*a*b'], detectors: [] });
    expect(m.columnRule('a'.repeat(50_000))).toBe('pass');
  });
});
