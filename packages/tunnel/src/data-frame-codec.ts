// The Connect stream's serializers with a hand-written path for DATA, the one message that
// carries session bytes. protobuf-es encodes a nested message by finishing it into a new array
// and copying that into its parent, so a 64 KiB payload was copied twice before grpc-js copied
// it once more into its frame (the bulk profile in bench/README.md: `finish` and
// `ensureCapacity` were a third of the gateway's busy time). Here DATA is written straight into
// one Buffer, and read back as a view of grpc-js's message buffer, not a copy. The bytes on the
// wire are the same protobuf encoding (field 4 of ConnectRequest/ConnectResponse, Data{sid=1,
// payload=2}); every other message, and any DATA this decoder does not recognise exactly (an
// unknown field from a newer peer), goes through the generated code (data-frame-codec.spec.ts).
import { tunnelServiceDefinition, type ConnectRequest, type ConnectResponse, type TunnelServiceDefinition } from '@jitgate/proto';

/** Tag of field 4 (Data), wire type 2, in both ConnectRequest and ConnectResponse. */
const TAG_DATA = (4 << 3) | 2;
const TAG_SID = (1 << 3) | 0;
const TAG_PAYLOAD = (2 << 3) | 2;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[at++] = value;
  return at;
}

/** Encodes `{ msg: { case: 'data', value: { sid, payload } } }` with one copy of the payload. */
export function encodeData(sid: number, payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const inner = (sid !== 0 ? 1 + varintSize(sid) : 0) + (length > 0 ? 1 + varintSize(length) + length : 0);
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  out[0] = TAG_DATA;
  let at = writeVarint(out, 1, inner);
  if (sid !== 0) {
    out[at++] = TAG_SID;
    at = writeVarint(out, at, sid);
  }
  if (length > 0) {
    out[at++] = TAG_PAYLOAD;
    at = writeVarint(out, at, length);
    out.set(payload, at);
  }
  return out;
}

/** Where readVarint32 stopped: module state instead of a tuple per field (thousands of frames a second). */
let cursor = 0;

/** Reads a varint of at most 32 bits at `at` and moves `cursor` past it; -1 if malformed. */
function readVarint32(bytes: Uint8Array, at: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5 && at < end; i += 1) {
    const byte = bytes[at++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      cursor = at;
      return value <= 0xffff_ffff ? value : -1;
    }
    scale *= 128;
  }
  return -1;
}

/**
 * Decodes a message that is exactly one Data (sid and payload, each at most once, in any
 * order); undefined for anything else, which the generated decoder then reads.
 */
export function decodeData(bytes: Buffer): { sid: number; payload: Buffer } | undefined {
  const end = bytes.length;
  if (end < 2 || bytes[0] !== TAG_DATA) return undefined;
  const inner = readVarint32(bytes, 1, end);
  if (inner < 0 || cursor + inner !== end) return undefined;
  let at = cursor;
  let sid = 0;
  let payload: Buffer | undefined;
  while (at < end) {
    const tag = bytes[at++];
    if (tag === TAG_SID) {
      sid = readVarint32(bytes, at, end);
      if (sid < 0) return undefined;
      at = cursor;
    } else if (tag === TAG_PAYLOAD && payload === undefined) {
      const length = readVarint32(bytes, at, end);
      if (length < 0 || cursor + length > end) return undefined;
      payload = bytes.subarray(cursor, cursor + length);
      at = cursor + length;
    } else {
      return undefined;
    }
  }
  return { sid, payload: payload ?? bytes.subarray(0, 0) };
}

const generated = tunnelServiceDefinition.connect;

/**
 * A Data message as protobuf-es would build it with create(): plain objects, every field set.
 * Built by hand because create() walks the schema for each of thousands of frames a second.
 */
export function dataRequest(sid: number, payload: Uint8Array): ConnectRequest {
  return { $typeName: 'jitgate.tunnel.v1.ConnectRequest', msg: { case: 'data', value: { $typeName: 'jitgate.tunnel.v1.Data', sid, payload } } };
}

export function dataResponse(sid: number, payload: Uint8Array): ConnectResponse {
  return { $typeName: 'jitgate.tunnel.v1.ConnectResponse', msg: { case: 'data', value: { $typeName: 'jitgate.tunnel.v1.Data', sid, payload } } };
}

/** TunnelService/Connect for grpc-js (server and client), DATA by hand, the rest generated. */
export const tunnelWireDefinition: TunnelServiceDefinition = {
  connect: {
    ...generated,
    requestSerialize: (message) => (message.msg.case === 'data' ? encodeData(message.msg.value.sid, message.msg.value.payload) : generated.requestSerialize(message)),
    requestDeserialize: (bytes) => {
      const data = decodeData(bytes);
      return data ? dataRequest(data.sid, data.payload) : generated.requestDeserialize(bytes);
    },
    responseSerialize: (message) => (message.msg.case === 'data' ? encodeData(message.msg.value.sid, message.msg.value.payload) : generated.responseSerialize(message)),
    responseDeserialize: (bytes) => {
      const data = decodeData(bytes);
      return data ? dataResponse(data.sid, data.payload) : generated.responseDeserialize(bytes);
    },
  },
};
