export * from './gen/jitgate/tunnel/v1/tunnel_pb.js';
export { tunnelServiceDefinition, TUNNEL_CONNECT_PATH, type TunnelServiceDefinition } from './tunnel-service.js';
export * from './gen/jitgate/http/v1/exchange_pb.js';
