// protoc-gen-es v2 generates messages, not grpc-js stubs; this is the grpc-js service
// definition of TunnelService built from the generated schemas, used by the gateway's server
// and the agent's client alike.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { ConnectRequestSchema, ConnectResponseSchema, type ConnectRequest, type ConnectResponse } from './gen/jitgate/tunnel/v1/tunnel_pb.js';

export const TUNNEL_CONNECT_PATH = '/jitgate.tunnel.v1.TunnelService/Connect';

export interface TunnelServiceDefinition extends ServiceDefinition {
  connect: {
    path: string;
    requestStream: true;
    responseStream: true;
    requestSerialize: (message: ConnectRequest) => Buffer;
    requestDeserialize: (bytes: Buffer) => ConnectRequest;
    responseSerialize: (message: ConnectResponse) => Buffer;
    responseDeserialize: (bytes: Buffer) => ConnectResponse;
  };
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const tunnelServiceDefinition: TunnelServiceDefinition = {
  connect: {
    path: TUNNEL_CONNECT_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: (message) => asBuffer(toBinary(ConnectRequestSchema, message)),
    requestDeserialize: (bytes) => fromBinary(ConnectRequestSchema, bytes),
    responseSerialize: (message) => asBuffer(toBinary(ConnectResponseSchema, message)),
    responseDeserialize: (bytes) => fromBinary(ConnectResponseSchema, bytes),
  },
};
