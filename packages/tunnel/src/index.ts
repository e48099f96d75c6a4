export { SessionPipe, type PeerFrames, type SessionEnd, type SessionPipeOptions, type SessionStats } from './session-pipe.js';
export { DuplexEnd, toLocalEnd, type LocalEnd, type LocalSink } from './local-end.js';
export { DEFAULT_WINDOW, MAX_FRAME, ReceiveWindow, SendCredit } from './flow-control.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { classifyTransportError, type TransportVerdict } from './transport-errors.js';
export { dataRequest, dataResponse, decodeData, encodeData, tunnelWireDefinition } from './data-frame-codec.js';
export { duplexPair } from './duplex-pair.js';
