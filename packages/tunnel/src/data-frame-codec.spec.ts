import { CloseReason, tunnelServiceDefinition, type ConnectRequest } from '@jitgate/proto';
import { describe, expect, it } from 'vitest';
import { dataRequest, dataResponse, decodeData, encodeData, tunnelWireDefinition } from './data-frame-codec.js';

const wire = tunnelWireDefinition.connect;
const generated = tunnelServiceDefinition.connect;
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 0xff));

describe('the hand-written DATA codec', () => {
  it.each([
    [1, 0],
    [1, 1],
    [0, 5],
    [127, 127],
    [128, 128],
    [300, 16_384],
    [0xffff_ffff, 65_536],
    [2_000_000, 200_000],
  ])('encodes sid %i with %i bytes exactly as protobuf-es does', (sid, size) => {
    const payload = bytes(size);
    // The generated serializer is protobuf-es's toBinary.
    const expected = generated.requestSerialize(dataRequest(sid, payload));
    expect(Buffer.compare(encodeData(sid, payload), expected)).toBe(0);
    expect(Buffer.compare(wire.responseSerialize(dataResponse(sid, payload)), generated.responseSerialize(dataResponse(sid, payload)))).toBe(0);
  });

  it('decodes what protobuf-es encodes, the payload as a view of the message, not a copy', () => {
    const encoded = generated.responseSerialize(dataResponse(42, bytes(1000)));
    const message = wire.responseDeserialize(encoded);
    expect(message.msg.case).toBe('data');
    if (message.msg.case !== 'data') return;
    expect(message.msg.value.sid).toBe(42);
    expect(Buffer.compare(Buffer.from(message.msg.value.payload), bytes(1000))).toBe(0);
    expect(message.msg.value.payload.buffer).toBe(encoded.buffer);
    expect(generated.responseDeserialize(generated.responseSerialize(message))).toEqual(generated.responseDeserialize(encoded));
  });

  it('decodes fields in either order and an absent payload as empty', () => {
    const reordered = Buffer.from([0x22, 0x06, 0x12, 0x02, 0xaa, 0xbb, 0x08, 0x05]);
    expect(decodeData(reordered)).toEqual({ sid: 5, payload: Buffer.from([0xaa, 0xbb]) });
    expect(decodeData(Buffer.from([0x22, 0x02, 0x08, 0x09]))).toEqual({ sid: 9, payload: Buffer.alloc(0) });
  });

  it('leaves to the generated decoder what it does not recognise exactly', () => {
    const withUnknownField = Buffer.from([0x22, 0x06, 0x08, 0x01, 0x18, 0x07, 0x12, 0x00]);
    expect(decodeData(withUnknownField)).toBeUndefined();
    const decoded = wire.requestDeserialize(withUnknownField);
    expect(decoded.msg.case === 'data' && decoded.msg.value.sid).toBe(1);
    expect(decodeData(Buffer.from([0x22, 0x05, 0x08, 0x01]))).toBeUndefined(); // truncated
    expect(decodeData(Buffer.from([0x22, 0x04, 0x12, 0x09, 0x00, 0x00]))).toBeUndefined(); // payload past the end
  });

  it('passes every other message through the generated code', () => {
    const close: ConnectRequest = {
      $typeName: 'jitgate.tunnel.v1.ConnectRequest',
      msg: { case: 'sessionClose', value: { $typeName: 'jitgate.tunnel.v1.SessionClose', sid: 3, reason: CloseReason.SHUTDOWN, message: 'bye' } },
    };
    const encoded = wire.requestSerialize(close);
    expect(Buffer.compare(encoded, generated.requestSerialize(close))).toBe(0);
    expect(wire.requestDeserialize(encoded)).toEqual(generated.requestDeserialize(encoded));
  });
});
