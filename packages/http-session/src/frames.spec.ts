import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameError, FrameType, MAX_BODY_FRAME_BYTES, MAX_HEAD_BYTES } from './frames.js';

describe('frames', () => {
  it('decodes frames however the bytes are cut', () => {
    const frames = [
      encodeFrame(FrameType.REQUEST_HEAD, 1, Buffer.from('head')),
      encodeFrame(FrameType.BODY, 1, Buffer.from('body bytes')),
      encodeFrame(FrameType.END, 1),
      encodeFrame(FrameType.RESET, 7, Buffer.from('why')),
    ];
    const bytes = Buffer.concat(frames);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new FrameDecoder();
      const out = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(out.map((f) => [f.type, f.exchange, f.payload.toString()])).toEqual([
        [FrameType.REQUEST_HEAD, 1, 'head'],
        [FrameType.BODY, 1, 'body bytes'],
        [FrameType.END, 1, ''],
        [FrameType.RESET, 7, 'why'],
      ]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('one byte at a time, a frame comes out only when whole', () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(FrameType.BODY, 3, Buffer.from('abc'));
    for (const byte of frame.subarray(0, -1)) expect(decoder.push(Buffer.from([byte]))).toEqual([]);
    expect(decoder.pendingBytes).toBe(frame.length - 1);
    expect(decoder.push(frame.subarray(-1))).toHaveLength(1);
  });

  it('refuses headers no writer sends, before holding their payload', () => {
    const header = (type: number, exchange: number, length: number) => {
      const bytes = Buffer.alloc(9);
      bytes[0] = type;
      bytes.writeUInt32BE(exchange, 1);
      bytes.writeUInt32BE(length, 5);
      return bytes;
    };
    expect(() => new FrameDecoder().push(header(9, 1, 0))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(header(0, 1, 0))).toThrow(/unknown frame type/);
    expect(() => new FrameDecoder().push(header(FrameType.BODY, 0, 1))).toThrow(/exchange number 0/);
    expect(() => new FrameDecoder().push(header(FrameType.END, 1, 1))).toThrow(/at most 0/);
    expect(() => new FrameDecoder().push(header(FrameType.REQUEST_HEAD, 1, MAX_HEAD_BYTES + 1))).toThrow(/announces/);
    expect(() => new FrameDecoder().push(header(FrameType.BODY, 1, 0xffff_ffff))).toThrow(/announces/);
  });

  it('will not write a frame past its limit or with a bad exchange number', () => {
    expect(() => encodeFrame(FrameType.BODY, 1, Buffer.alloc(MAX_BODY_FRAME_BYTES + 1))).toThrow(RangeError);
    expect(() => encodeFrame(FrameType.END, 1, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => encodeFrame(FrameType.END, 0)).toThrow(RangeError);
    expect(() => encodeFrame(FrameType.END, 2 ** 32)).toThrow(RangeError);
  });
});
