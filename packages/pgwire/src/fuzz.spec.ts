// Property tests (fast-check): arbitrary bytes never make the framer or a decoder throw anything
// but PgWireError or loop forever, and encode → frame → decode is the identity. numRuns keeps
// the file well under 10 s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as backend from './backend-decoders.js';
import { decodeBackendMessage } from './backend-message.js';
import { encodeDataRow, encodeErrorResponse, encodeRowDescription } from './backend-encoders.js';
import { PgWireError } from './errors.js';
import * as frontend from './frontend-decoders.js';
import { encodeBind, encodeParse, encodeQuery } from './frontend-encoders.js';
import { MessageReader, type PgMessage } from './message-reader.js';
import { encodeStartupMessage, parseStartupPacket } from './startup.js';

const decoders: ((type: number, body: Buffer) => unknown)[] = [
  (t, b) => frontend.decodeFrontendMessage(t, b),
  (t, b) => decodeBackendMessage(t, b),
  (_t, b) => frontend.decodeQuery(b),
  (_t, b) => frontend.decodeParse(b),
  (_t, b) => frontend.decodeBind(b),
  (_t, b) => frontend.decodeDescribe(b),
  (_t, b) => frontend.decodeClose(b),
  (_t, b) => frontend.decodeExecute(b),
  (_t, b) => frontend.decodePasswordMessage(b),
  (_t, b) => frontend.decodeSASLInitialResponse(b),
  (_t, b) => frontend.decodeCopyFail(b),
  (_t, b) => frontend.decodeFunctionCall(b),
  (_t, b) => backend.decodeRowDescription(b),
  (_t, b) => backend.decodeDataRow(b),
  (_t, b) => backend.decodeCommandComplete(b),
  (_t, b) => backend.decodeErrorResponse(b),
  (_t, b) => backend.decodeParameterStatus(b),
  (_t, b) => backend.decodeBackendKeyData(b),
  (_t, b) => backend.decodeReadyForQuery(b),
  (_t, b) => backend.decodeAuthentication(b),
  (_t, b) => backend.decodeParameterDescription(b),
  (_t, b) => backend.decodeCopyResponse(b),
  (_t, b) => backend.decodeNegotiateProtocolVersion(b),
  (_t, b) => backend.decodeNotificationResponse(b),
  (_t, b) => parseStartupPacket(b),
];

/** Runs fn; only PgWireError may escape. */
function onlyPgWireError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PgWireError)) throw e;
  }
}

/** Cuts bytes at the given offsets (taken modulo the length). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Feeds chunks and decodes every frame with every decoder; returns the frames read. */
function feed(chunks: Buffer[], expectStartup: boolean): PgMessage[] {
  const reader = new MessageReader({ maxMessageBytes: 4096, expectStartup });
  const got: PgMessage[] = [];
  try {
    for (const c of chunks) {
      reader.push(c);
      for (let m = reader.next(); m; m = reader.next()) {
        got.push(m);
        for (const d of decoders) onlyPgWireError(() => d(m.type, m.body));
      }
    }
  } catch (e) {
    if (!(e instanceof PgWireError)) throw e;
  }
  return got;
}

/** Frames with a valid header and an arbitrary body: reaches the decoders far more often. */
const framed = fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 80 }) }), { maxLength: 12 }).map((frames) =>
  Buffer.concat(
    frames.map(({ type, body }) => {
      const b = Buffer.alloc(5 + body.length);
      b[0] = type;
      b.writeInt32BE(4 + body.length, 1);
      b.set(body, 5);
      return b;
    }),
  ),
);

const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
const cuts = fc.array(fc.nat(), { maxLength: 8 });
const value = fc.option(
  fc.uint8Array({ maxLength: 32 }).map((a) => Buffer.from(a)),
  { nil: null },
);

describe('fuzz: framing and decoding never fail other than with PgWireError', () => {
  it('random bytes, random chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), (bytes, c, startup) => {
        feed(chunked(Buffer.from(bytes), c), startup);
      }),
      { numRuns: 1500 },
    );
  });

  it('well-framed random bodies, optionally corrupted, random chunking', () => {
    fc.assert(
      fc.property(framed, cuts, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))), (bytes, c, flip) => {
        if (flip && bytes.length) bytes[flip[0] % bytes.length] = flip[1];
        feed(chunked(bytes, c), false);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('fuzz: encode → frame → decode round trips', () => {
  it('a stream of frontend messages survives any chunking', () => {
    const msg = fc.oneof(
      text.map((sql) => ({ kind: 'q' as const, sql })),
      fc.record({ kind: fc.constant('p' as const), name: text, sql: text, types: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 5 }) }),
      fc.record({ kind: fc.constant('b' as const), portal: text, params: fc.array(value, { maxLength: 5 }), binary: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(msg, { minLength: 1, maxLength: 6 }), cuts, (msgs, c) => {
        const frames = msgs.map((m) =>
          m.kind === 'q' ? encodeQuery(m.sql) : m.kind === 'p' ? encodeParse(m.name, m.sql, m.types) : encodeBind({ portal: m.portal, params: m.params, paramFormats: [m.binary ? 1 : 0] }),
        );
        const got = feed(chunked(Buffer.concat([encodeStartupMessage({ user: 'u' }), ...frames]), c), true);
        expect(got.slice(1).map((g) => g.raw)).toEqual(frames);
        got.slice(1).forEach((g, i) => {
          const m = msgs[i]!;
          if (m.kind === 'q') expect(frontend.decodeQuery(g.body)).toEqual({ sql: m.sql });
          else if (m.kind === 'p') expect(frontend.decodeParse(g.body)).toEqual({ name: m.name, sql: m.sql, paramTypes: m.types });
          else expect(frontend.decodeBind(g.body)).toEqual({ portal: m.portal, statement: '', params: m.params, paramFormats: [m.binary ? 1 : 0], resultFormats: [] });
        });
      }),
      { numRuns: 400 },
    );
  });

  it('DataRow, RowDescription, ErrorResponse and StartupMessage', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 10 }), (values) => {
        expect(backend.decodeDataRow(encodeDataRow(values).subarray(5))).toEqual(values);
      }),
      { numRuns: 300 },
    );
    const field = fc.record({
      name: text,
      tableOid: fc.nat({ max: 0xffffffff }),
      columnAttr: fc.integer({ min: -32768, max: 32767 }),
      typeOid: fc.nat({ max: 0xffffffff }),
      typeSize: fc.integer({ min: -32768, max: 32767 }),
      typeModifier: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      format: fc.constantFrom(0, 1),
    });
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), (fields) => {
        expect(backend.decodeRowDescription(encodeRowDescription(fields).subarray(5))).toEqual(fields);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (message, detail) => {
        const init = { severity: 'ERROR' as const, code: '42501', message, ...(detail === undefined ? {} : { detail }) };
        expect(backend.summarizeNotice(backend.decodeErrorResponse(encodeErrorResponse(init).subarray(5)))).toEqual(init);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          text.filter((k) => k !== ''),
          text,
          { maxKeys: 5 },
        ),
        (params) => {
          const parsed = parseStartupPacket(encodeStartupMessage(params).subarray(4));
          expect(parsed.kind === 'startup' && { ...parsed.params }).toEqual({ ...params });
        },
      ),
      { numRuns: 300 },
    );
  });
});
