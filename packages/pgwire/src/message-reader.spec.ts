import { describe, expect, it } from 'vitest';
import { PgWireError } from './errors.js';
import { encodeBind, encodeExecute, encodeParse, encodeQuery, encodeSync, encodeTerminate } from './frontend-encoders.js';
import { MessageReader, type PgMessage } from './message-reader.js';
import { encodeSSLRequest, encodeStartupMessage } from './startup.js';

const frames = [
  encodeStartupMessage({ user: 'alice', database: 'db' }),
  encodeQuery('SELECT 1'),
  encodeParse('', 'SELECT $1', [23]),
  encodeBind({ params: ['1', null] }),
  encodeExecute(),
  encodeSync(),
  encodeTerminate(),
];
const stream = Buffer.concat(frames);

function drain(r: MessageReader): PgMessage[] {
  const out: PgMessage[] = [];
  for (let m = r.next(); m; m = r.next()) out.push(m);
  return out;
}

function expectFrames(got: PgMessage[]): void {
  expect(got.map((m) => m.raw)).toEqual(frames);
  expect(got.map((m) => m.type)).toEqual([0, 0x51, 0x50, 0x42, 0x45, 0x53, 0x58]);
  for (const m of got) expect(m.body).toEqual(m.raw.subarray(m.type === 0 ? 4 : 5));
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PgWireError) return e.code;
    throw e;
  }
  return undefined;
}

describe('MessageReader', () => {
  it('reads many frames from one chunk as views into it', () => {
    const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
    r.push(stream);
    const got = drain(r);
    expectFrames(got);
    expect(got[1]!.raw.buffer).toBe(stream.buffer);
    expect(r.bufferedBytes).toBe(0);
  });

  it('reassembles the stream split at every byte offset', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
      r.push(stream.subarray(0, cut));
      const got = drain(r);
      r.push(stream.subarray(cut));
      got.push(...drain(r));
      expectFrames(got);
    }
  });

  it('reassembles the stream fed one byte at a time', () => {
    const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
    const got: PgMessage[] = [];
    for (let i = 0; i < stream.length; i++) {
      r.push(stream.subarray(i, i + 1));
      got.push(...drain(r));
    }
    expectFrames(got);
  });

  it('stays in startup mode after an SSLRequest and switches after the StartupMessage', () => {
    const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
    r.push(Buffer.concat([encodeSSLRequest(), encodeStartupMessage({ user: 'u' }), encodeSync()]));
    const got = drain(r);
    expect(got.map((m) => m.type)).toEqual([0, 0, 0x53]);
    expect(r.inStartup).toBe(false);
  });

  it('shows bytes pipelined after an SSLRequest, which the caller must refuse (CVE-2021-23214)', () => {
    const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
    r.push(Buffer.concat([encodeSSLRequest(), encodeStartupMessage({ user: 'u' })]));
    expect(r.next()?.type).toBe(0);
    expect(r.bufferedBytes).toBeGreaterThan(0);
  });

  it('switches to typed frames on startupDone()', () => {
    const r = new MessageReader({ maxMessageBytes: 1024, expectStartup: true });
    r.push(encodeSSLRequest());
    expect(r.next()?.type).toBe(0);
    r.startupDone();
    r.push(encodeSync());
    expect(r.next()?.type).toBe(0x53);
  });

  it('refuses an oversized frame from its header alone, before the body arrives', () => {
    const r = new MessageReader({ maxMessageBytes: 100 });
    const header = Buffer.from([0x51, 0, 0, 0x10, 0]); // length 4096
    r.push(header);
    expect(errorCode(() => r.next())).toBe('too_large');
    // sticky: the stream cannot be resynchronised
    expect(errorCode(() => r.next())).toBe('too_large');
  });

  it('refuses lengths below 4, negative lengths and startup lengths outside [8, 10000]', () => {
    for (const len of [0, 3, -1]) {
      const r = new MessageReader({ maxMessageBytes: 100 });
      const b = Buffer.alloc(5);
      b[0] = 0x51;
      b.writeInt32BE(len, 1);
      r.push(b);
      expect(errorCode(() => r.next())).toBe('bad_length');
    }
    for (const len of [4, 7, 10001, -5]) {
      const r = new MessageReader({ maxMessageBytes: 1 << 20, expectStartup: true });
      const b = Buffer.alloc(4);
      b.writeInt32BE(len, 0);
      r.push(b);
      expect(errorCode(() => r.next())).toBe('bad_length');
    }
  });

  it('accepts a frame of exactly maxMessageBytes', () => {
    const q = encodeQuery('x'.repeat(95)); // length field = 4 + 96 = 100
    const r = new MessageReader({ maxMessageBytes: 100 });
    r.push(q);
    expect(r.next()?.raw).toEqual(q);
  });

  it('returns undefined until a frame is complete and keeps partial state', () => {
    const r = new MessageReader({ maxMessageBytes: 1024 });
    const q = encodeQuery('SELECT 42');
    r.push(q.subarray(0, 3));
    expect(r.next()).toBeUndefined();
    r.push(q.subarray(3, 8));
    expect(r.next()).toBeUndefined();
    expect(r.bufferedBytes).toBe(8);
    r.push(q.subarray(8));
    expect(r.next()?.raw).toEqual(q);
    expect(r.next()).toBeUndefined();
  });
});

describe('MessageReader limits and hand-over', () => {
  it('applies a new limit to frames still to come', () => {
    const reader = new MessageReader({ maxMessageBytes: 64 });
    reader.setMaxMessageBytes(16);
    const frame = Buffer.alloc(1 + 4 + 20);
    frame[0] = 0x51;
    frame.writeInt32BE(24, 1);
    reader.push(frame);
    expect(() => reader.next()).toThrow(/exceeds 16/);
  });

  it('hands over unframed bytes and is empty afterwards', () => {
    const reader = new MessageReader({ maxMessageBytes: 1024 });
    const frame = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
    reader.push(Buffer.concat([frame, Buffer.from([0x44, 0, 0])]));
    reader.push(Buffer.from([0, 9]));
    expect(reader.next()?.type).toBe(0x5a);
    expect(reader.takeBuffered()).toEqual(Buffer.from([0x44, 0, 0, 0, 9]));
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.next()).toBeUndefined();
  });
});
