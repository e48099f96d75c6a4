import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileMasker } from '@jitgate/masking';
import { maskBody, UnmaskableBody } from './response-body-masking.js';

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

  it('passes bytes that are not text', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    expect(maskBody(body, 'image/png', undefined, masker, opts).body).toBe(body);
  });

  it('applies a JSON rewrite before the generic masking', () => {
    const out = maskBody(Buffer.from('{"rows":[1]}'), 'application/json', undefined, masker, { jsonPaths: [], rewriteJson: () => ({ value: { rows: [] }, maskedValues: 1 }) });
    expect(JSON.parse(out.body.toString())).toEqual({ rows: [] });
    expect(out.maskedValues).toBe(1);
  });

  it('refuses an encoding it cannot read', () => {
    expect(() => maskBody(Buffer.from('x'), 'text/plain', 'zstd', masker, opts)).toThrow(UnmaskableBody);
    expect(() => maskBody(Buffer.from('not gzip'), 'text/plain', 'gzip', masker, opts)).toThrow(UnmaskableBody);
  });
});
