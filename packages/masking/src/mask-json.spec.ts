import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MaskingConfigError } from './errors.js';
import { MAX_JSON_DEPTH } from './mask-json.js';
import { compileMasker } from './masker.js';

const masker = compileMasker({ columns: ['password', '*secret*'], detectors: ['email', 'payment_card', 'gcp_private_key'] });

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

describe('maskJson', () => {
  it('scans strings, masks fields named by a column glob, never mutates the input', () => {
    const input = deepFreeze({
      user: { name: 'Bob', email: 'bob@example.com', password: 'hunter2', Client_Secret: { a: 1 } },
      notes: ['paid with 4111 1111 1111 1111', 'ok'],
      count: 3,
      empty: null,
      password: null,
    });
    const before = JSON.stringify(input);
    const r = masker.maskJson(input);
    expect(r).toEqual({
      value: {
        user: { name: 'Bob', email: '[REDACTED:email]', password: '[REDACTED]', Client_Secret: '[REDACTED]' },
        notes: ['paid with [REDACTED:payment_card]', 'ok'],
        count: 3,
        empty: null,
        password: null,
      },
      hits: ['email', 'payment_card'],
      maskedPaths: 2,
    });
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns the input itself when nothing changes', () => {
    const input = { a: [1, 'two', { three: true }], b: null };
    const r = masker.maskJson(input);
    expect(r.value).toBe(input);
    expect(r).toMatchObject({ hits: [], maskedPaths: 0 });
  });

  it('masks card numbers written as JSON numbers', () => {
    expect(masker.maskJson({ n: 4111111111111111, small: 1234 }).value).toEqual({ n: '[REDACTED:payment_card]', small: 1234 });
  });

  it.each([
    ['a.b', { a: { b: 'x', c: 'y' } }, { a: { b: '[REDACTED]', c: 'y' } }],
    ['$.a.b', { a: { b: { deep: 1 } } }, { a: { b: '[REDACTED]' } }],
    ['items[*].pan', { items: [{ pan: 'p1' }, { pan: 2 }, { other: 'x' }] }, { items: [{ pan: '[REDACTED]' }, { pan: '[REDACTED]' }, { other: 'x' }] }],
    ['$.rows[*].f[1].v', { rows: [{ f: [{ v: 'a' }, { v: 'b' }] }] }, { rows: [{ f: [{ v: 'a' }, { v: '[REDACTED]' }] }] }],
    ['$.*.token', { x: { token: 't' }, y: { token: 't', z: 1 } }, { x: { token: '[REDACTED]' }, y: { token: '[REDACTED]', z: 1 } }],
    ["$['weird.key']", { 'weird.key': 'v', weird: { key: 'w' } }, { 'weird.key': '[REDACTED]', weird: { key: 'w' } }],
    ['list[0]', { list: ['a', 'b'] }, { list: ['[REDACTED]', 'b'] }],
    ['$', { a: 1 }, '[REDACTED]'],
    ['a.b', { a: [{ b: 1 }] }, { a: [{ b: 1 }] }], // .b does not match array elements
  ])('path %s', (path, input, expected) => {
    expect(masker.maskJson(input, { paths: [path] }).value).toEqual(expected);
  });

  it('counts masked fields', () => {
    const r = masker.maskJson({ rows: [{ v: 'a' }, { v: 'b' }, { v: null }] }, { paths: ['rows[*].v'] });
    expect(r.maskedPaths).toBe(2);
  });

  it.each([['a..b'], ['a['], ['a[x]'], ['a[-1]'], ['.'], ['a.b c'], ["['']"]])('rejects path %j', (path) => {
    expect(() => masker.maskJson({}, { paths: [path] })).toThrow(MaskingConfigError);
  });

  it('fails closed beyond the depth limit', () => {
    let deep: unknown = 'bob@example.com';
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { next: deep };
    const r = masker.maskJson(deep);
    let node = r.value as { next: unknown };
    for (let i = 0; i < MAX_JSON_DEPTH; i++) node = node.next as { next: unknown };
    expect(node).toBe('[REDACTED]');
    expect(r.maskedPaths).toBe(1);
    expect(JSON.stringify(r.value)).not.toContain('bob@');
  });

  it('survives a cyclic value by failing closed at the depth limit', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => masker.maskJson(cyclic)).not.toThrow();
  });

  it('replaces non-JSON objects (Date, Map, class instances)', () => {
    const r = masker.maskJson({ d: new Date(0), m: new Map([['a', 'bob@example.com']]) });
    expect(r.value).toEqual({ d: '[REDACTED]', m: '[REDACTED]' });
  });

  it('keeps a "__proto__" key an own property', () => {
    const input = JSON.parse('{"__proto__": {"email": "bob@example.com"}, "x": "bob@example.com"}') as object;
    const out = masker.maskJson(input).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"email":"[REDACTED:email]"},"x":"[REDACTED:email]"}');
  });

  it('masks the private_key of a service-account key object', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = {
      type: 'service_account',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'sa@demo.iam.gserviceaccount.com',
    };
    const r = masker.maskJson({ credentials: key });
    expect(r.value).toEqual({
      credentials: { type: 'service_account', private_key: '[REDACTED:gcp_private_key]', client_email: '[REDACTED:email]' },
    });
    expect(r.hits).toEqual(['email', 'gcp_private_key']);
    expect(masker.maskJson({ private_key: 'anything' }).value).toEqual({ private_key: '[REDACTED:gcp_private_key]' });
  });

  it('uses the partial shapes for masked fields in partial mode', () => {
    const partial = compileMasker({ columns: ['card'], detectors: [], replacement: 'partial' });
    expect(partial.maskJson({ card: 4111111111111111, c2: '4111111111111111' }, { paths: ['c2'] }).value).toEqual({
      card: '[REDACTED:payment_card ****1111]',
      c2: '[REDACTED:payment_card ****1111]',
    });
  });
});
