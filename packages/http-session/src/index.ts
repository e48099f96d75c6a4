export {
  encodeFrame,
  FrameDecoder,
  FrameError,
  FrameType,
  FRAME_HEADER_BYTES,
  HTTP_SESSION_PARAMETER,
  HTTP_SESSION_PROTOCOL,
  MAX_EXCHANGES,
  MAX_BODY_FRAME_BYTES,
  MAX_HEAD_BYTES,
  type Frame,
} from './frames.js';
export { SessionClosed } from './frame-wire.js';
export { AgentAnswer, ClientExchange, ExchangeFailed, HttpExchangeClient, type ExchangeOutcome, type RequestHeadInit } from './exchange-client.js';
export { GatewayRequest, GatewayResponse, HttpExchangeServer, type ExchangeHandler, type ExchangeServerOptions } from './exchange-server.js';
export { foldedHeaders, headerLines, rawHeaders } from './header-lines.js';
