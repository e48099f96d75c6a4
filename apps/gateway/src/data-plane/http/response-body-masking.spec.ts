import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileMasker } from '@jitgate/masking';
import { maskBody, maskEventData, UnmaskableBody } from './response-body-masking.js';

const masker = compileMasker({ columns: ['*secret*'], detectors: ['email'] });
const opts = { jsonPaths: ['$.items[*].owner'] };

describe('maskBody', () => {
  it('masks JSON by property, path and detector', () => {
    const body = Buffer.from(JSON.stringify({ items: [{ owner: 'x', note: 'mail ann@example.com', secretKey: 'k', id: 1 }] }));
    const out = maskBody(body, 'application/json; charset=utf-8', undefined, masker, opts);
    const value = JSON.parse(out.body.toString());
    expect(out.changed).toBe(true);
    expect(value.items[0].id).toBe(1);
    expect(value.items[0].owner).not.toBe('x');
    expect(value.items[0].secretKey).not.toBe('k');
    expect(value.items[0].note).not.toContain('ann@example.com');
  });

  it('leaves untouched JSON as the same bytes', () => {
    const body = Buffer.from('{ "id": 1 }');
    const out = maskBody(body, 'application/json', undefined, masker, opts);
    expect(out).toEqual({ body, maskedValues: 0, changed: false });
  });

  it('scans text whatever its declared type, and decodes gzip first', () => {
    const body = gzipSync(Buffer.from('name,email\nann,ann@example.com\n'));
    const out = maskBody(body, 'application/octet-stream', 'gzip', masker, opts);
    expect(out.changed).toBe(true);
    expect(out.body.toString()).toContain('name,email');
    expect(out.body.toString()).not.toContain('ann@example.com');
  });

  it.each([
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'image/png', /not UTF-8/],
    ['text in Latin-1', Buffer.from('caf\xe9 ann@example.com', 'latin1'), 'text/csv', /not UTF-8/],
    ['UTF-16 text of ASCII characters (valid UTF-8, with NULs)', Buffer.from('ann@example.com', 'utf16le'), 'text/plain', /NUL/],
    ['a charset other than UTF-8', Buffer.from('ann+AEA-example.com'), 'text/plain; charset="UTF-7"', /charset utf-7/],
    ['JSON that does not parse', Buffer.from('{"secretKey": "k",}'), 'application/problem+json', /does not parse/],
    ['JSON with a key named twice', Buffer.from('{"note": "ann@example.com", "note": "x"}'), 'application/json', /twice/],
  ])('refuses %s', (_name, body, type, why) => {
    expect(() => maskBody(body, type, undefined, masker, opts)).toThrow(UnmaskableBody);
    expect(() => maskBody(body, type, undefined, masker, opts)).toThrow(why);
  });

  it('reads UTF-8 and US-ASCII charsets, and an empty body under any type', () => {
    expect(maskBody(Buffer.from('ann@example.com'), 'text/plain; charset=us-ascii', undefined, masker, opts).changed).toBe(true);
    expect(maskBody(Buffer.from('ann@example.com'), 'text/plain;charset=utf-8', undefined, masker, opts).changed).toBe(true);
    expect(maskBody(Buffer.alloc(0), 'application/json', undefined, masker, opts)).toEqual({ body: Buffer.alloc(0), maskedValues: 0, changed: false });
  });

  it('reads an ASCII-only body under a single-byte charset, and nothing of an empty one', () => {
    expect(maskBody(Buffer.from('ann@example.com'), 'text/html; charset=ISO-8859-1', undefined, masker, opts).changed).toBe(true);
    expect(() => maskBody(Buffer.from('caf\xe9 ann@example.com', 'latin1'), 'text/html; charset=ISO-8859-1', undefined, masker, opts)).toThrow(UnmaskableBody);
    expect(() => maskBody(Buffer.from('ann+AEA-example.com'), 'text/plain; charset=utf-7', undefined, masker, opts)).toThrow(UnmaskableBody);
    expect(maskBody(Buffer.alloc(0), 'text/plain; charset=utf-16', 'gzip', masker, opts).changed).toBe(false);
  });

  it('masks newline-delimited JSON line by line, keeping the lines it does not change', () => {
    const text = '{"id": 1, "secretKey": "k"}\r\n{"id": 2}\n\n{"note": "ann@example.com"}\n';
    const out = maskBody(Buffer.from(text), 'application/x-ndjson', undefined, masker, opts);
    const lines = out.body.toString().split('\n');
    expect(JSON.parse(lines[0]!).secretKey).not.toBe('k');
    expect(lines[0]!.endsWith('\r')).toBe(true);
    expect(lines[1]).toBe('{"id": 2}');
    expect(lines[3]).not.toContain('ann@example.com');
    expect(out.maskedValues).toBe(2);
    expect(() => maskBody(Buffer.from('{"a": 1, "a": 2}\n{"b": 1}\n'), 'text/plain', undefined, masker, opts)).toThrow(/twice/);
  });

  it('masks JSON by property whatever its declared type, after a byte order mark too', () => {
    for (const [text, type] of [
      ['{"secretKey": "k"}', 'text/plain'],
      ['\ufeff{"secretKey": "k"}', 'application/json'],
    ]) {
      const out = maskBody(Buffer.from(text!), type, undefined, masker, opts);
      expect(JSON.parse(out.body.toString()).secretKey).not.toBe('k');
    }
  });

  it('applies a JSON rewrite before the generic masking', () => {
    const out = maskBody(Buffer.from('{"rows":[1]}'), 'application/json', undefined, masker, { jsonPaths: [], rewriteJson: () => ({ value: { rows: [] }, maskedValues: 1 }) });
    expect(JSON.parse(out.body.toString())).toEqual({ rows: [] });
    expect(out.maskedValues).toBe(1);
  });

  it('masks the data of an event as JSON when it is JSON, else as text', () => {
    expect(JSON.parse(maskEventData('{"secretKey": "k", "n": 1}', masker, [])).secretKey).not.toBe('k');
    expect(maskEventData('mail ann@example.com', masker, [])).not.toContain('ann@example.com');
    expect(maskEventData('{"n": 1}', masker, [])).toBe('{"n": 1}');
    expect(() => maskEventData('{"n": "ann@example.com", "n": 1}', masker, [])).toThrow(UnmaskableBody);
  });

  it('refuses an encoding it cannot read', () => {
    expect(() => maskBody(Buffer.from('x'), 'text/plain', 'zstd', masker, opts)).toThrow(UnmaskableBody);
    expect(() => maskBody(Buffer.from('not gzip'), 'text/plain', 'gzip', masker, opts)).toThrow(UnmaskableBody);
  });
});
