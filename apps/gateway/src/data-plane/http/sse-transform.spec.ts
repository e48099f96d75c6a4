import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { rewriteEvent, SseEventTooLarge, SseNotText, SseTransform } from './sse-transform.js';

const run = async (chunks: string[], rewrite: (d: string) => string | null, max = 1 << 20) => text(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new SseTransform(rewrite, max)));

describe('SseTransform', () => {
  it('rewrites each event, keeping id and event fields, across chunk boundaries', async () => {
    const out = await run(['event: message\nid: 7\nda', 'ta: {"a":1}\n', '\ndata: two\r\n\r\n'], (d) => d.toUpperCase());
    expect(out).toBe('event: message\nid: 7\ndata: {"A":1}\n\ndata: TWO\n\n');
  });

  it('joins multi-line data and splits the rewrite back into lines', async () => {
    expect(await run(['data: a\ndata: b\n\n'], (d) => `${d}|x\ny`)).toBe('data: a\ndata: b|x\ndata: y\n\n');
  });

  it('passes comments and events without data untouched, and a final event without its blank line', async () => {
    expect(await run([': keep-alive\n\nretry: 5\n\ndata: last'], (d) => `<${d}>`)).toBe(': keep-alive\n\nretry: 5\n\ndata: <last>\n\n');
  });

  it('drops an event whose rewrite is null', async () => {
    expect(await run(['data: drop\n\ndata: keep\n\n'], (d) => (d === 'drop' ? null : d))).toBe('data: keep\n\n');
  });

  it('keeps a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('data: é\n\n');
    const out = await text(Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]).pipe(new SseTransform((d) => d, 100)));
    expect(out).toBe('data: é\n\n');
  });

  it('fails a stream whose event grows past the limit', async () => {
    await expect(run(['data: ' + 'x'.repeat(200)], (d) => d, 100)).rejects.toBeInstanceOf(SseEventTooLarge);
  });

  it('ends events at an empty line whatever line ends the server mixes', async () => {
    expect(await run(['data: a\n\r\ndata: b\r\rdata: c\r\n\ndata: d\r', '\n\r', '\ndata: e\n\n'], (d) => `<${d}>`)).toBe('data: <a>\n\ndata: <b>\n\ndata: <c>\n\ndata: <d>\n\ndata: <e>\n\n');
  });

  it('fails a stream at bytes that are not UTF-8 or a NUL, passing nothing of the event', async () => {
    const seen: string[] = [];
    const keep = (d: string) => {
      seen.push(d);
      return d;
    };
    const bad = Readable.from([Buffer.from('data: one\n\n'), Buffer.from('data: caf\xe9 x\n\n', 'latin1')]).pipe(new SseTransform(keep, 100));
    await expect(text(bad)).rejects.toBeInstanceOf(SseNotText);
    expect(seen).toEqual(['one']);
    await expect(run(['data: a\u0000b\n\n'], (d) => d)).rejects.toBeInstanceOf(SseNotText);
  });

  it('rewriteEvent keeps the other fields of a dropped event that carry meaning', () => {
    expect(rewriteEvent('id: 3\ndata: x', () => null)).toBe('id: 3\n\n');
  });
});
