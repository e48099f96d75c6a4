// The frames of an HTTP session (proto/jitgate/http/v1/exchange.proto, docs/http.md "The
// session's frames"): a 9-byte header — type, exchange number, payload length, big-endian —
// then the payload. Pure: no streams, no I/O. The decoder checks every header before it holds a
// byte of the payload, so a forged length cannot make it buffer more than one frame's limit.

/**
 * The SessionOpen parameter by which the gateway names the protocol it speaks on an HTTP
 * session; an agent that speaks another refuses the session with a clear error instead of
 * reading frames it does not know.
 */
export const HTTP_SESSION_PARAMETER = 'jitgate.http.session';
export const HTTP_SESSION_PROTOCOL = 'frames/1';

export const FrameType = {
  REQUEST_HEAD: 1,
  RESPONSE_HEAD: 2,
  BODY: 3,
  END: 4,
  RESET: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER_BYTES = 9;
/** Exchanges under way at once on one session; the agent takes more as a breach. */
export const MAX_EXCHANGES = 32;
/** Node refuses heads over 16 KiB on both ends of the chain; this leaves room and bounds memory. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Writers split larger chunks. */
export const MAX_BODY_FRAME_BYTES = 256 * 1024;
export const MAX_RESET_BYTES = 4 * 1024;
const MAX_EXCHANGE = 0xffff_ffff;

const LIMITS: Record<FrameType, number> = {
  [FrameType.REQUEST_HEAD]: MAX_HEAD_BYTES,
  [FrameType.RESPONSE_HEAD]: MAX_HEAD_BYTES,
  [FrameType.BODY]: MAX_BODY_FRAME_BYTES,
  [FrameType.END]: 0,
  [FrameType.RESET]: MAX_RESET_BYTES,
};

export interface Frame {
  type: FrameType;
  /** 1 and up, chosen by the gateway, increasing within a session. */
  exchange: number;
  payload: Buffer;
}

/** The peer broke the framing: the session cannot be trusted any further and is closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function encodeFrame(type: FrameType, exchange: number, payload?: Uint8Array): Buffer {
  const length = payload?.length ?? 0;
  if (length > LIMITS[type]) throw new RangeError(`a frame of type ${type} carries at most ${LIMITS[type]} bytes, not ${length}`);
  if (!Number.isInteger(exchange) || exchange < 1 || exchange > MAX_EXCHANGE) throw new RangeError(`exchange number out of range: ${exchange}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame[0] = type;
  frame.writeUInt32BE(exchange, 1);
  frame.writeUInt32BE(length, 5);
  if (payload) frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

const isFrameType = (value: number): value is FrameType => value >= FrameType.REQUEST_HEAD && value <= FrameType.RESET;

/** Bytes in (as the tunnel delivers them, cut anywhere), whole frames out. */
export class FrameDecoder {
  #held: Buffer | undefined;

  /** The whole frames completed by `chunk`; throws FrameError on a header no writer could have sent. */
  push(chunk: Buffer): Frame[] {
    let bytes = this.#held ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = undefined;
    const frames: Frame[] = [];
    while (bytes.length >= FRAME_HEADER_BYTES) {
      const type = bytes[0] as number;
      if (!isFrameType(type)) throw new FrameError(`unknown frame type ${type}`);
      const exchange = bytes.readUInt32BE(1);
      if (exchange === 0) throw new FrameError('exchange number 0');
      const length = bytes.readUInt32BE(5);
      if (length > LIMITS[type]) throw new FrameError(`a frame of type ${type} announces ${length} bytes; at most ${LIMITS[type]}`);
      const end = FRAME_HEADER_BYTES + length;
      if (bytes.length < end) break;
      frames.push({ type, exchange, payload: bytes.subarray(FRAME_HEADER_BYTES, end) });
      bytes = bytes.subarray(end);
    }
    if (bytes.length > 0) this.#held = bytes;
    return frames;
  }

  /** Bytes of a frame begun and not finished: at the session's end, a truncated frame. */
  get pendingBytes(): number {
    return this.#held?.length ?? 0;
  }
}
