// The tunnel's transport: one grpc-js client and one Connect call per attempt. Behind the
// TunnelTransport interface so that the tunnel state machine is tested with a fake stream
// (tunnel.spec.ts) and against a real gRPC server (test/*.test.ts).
import grpc from '@grpc/grpc-js';
import type { ConnectRequest, ConnectResponse } from '@jitgate/proto';
import { tunnelWireDefinition } from '@jitgate/tunnel';
import type { SecretValue } from '../credentials/secret-value.js';
import { formatHostPort, type TunnelEndpoint } from './gateway-addresses.js';

export interface StreamStatus {
  /** A gRPC status code; -1 when the agent could not even start a call (token file unreadable). */
  code: number;
  details: string;
}

export interface TunnelStreamHandlers {
  onMessage(message: ConnectResponse): void;
  /** The write buffer emptied after write() returned false. */
  onDrain(): void;
  /** Called once, however the call ended (status from the server, transport error, cancel). */
  onEnd(status: StreamStatus): void;
}

export interface TunnelStream {
  /** False when the caller should wait for onDrain before writing more data. */
  write(message: ConnectRequest): boolean;
  /** Half-closes: the agent sends nothing more; the gateway may still answer and end the call. */
  end(): void;
  cancel(): void;
}

export interface TunnelTransport {
  open(endpoint: TunnelEndpoint, token: SecretValue, handlers: TunnelStreamHandlers): TunnelStream;
}

export interface GrpcTransportOptions {
  insecure: boolean;
  /** PEM roots for the gateway certificate; the system roots when absent. */
  ca?: Buffer;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
}

const connect = tunnelWireDefinition.connect;

/**
 * HTTP/2 receive window of the tunnel's stream and connection. grpc-js (1.14) leaves Node's
 * 64 KiB default otherwise: the gateway could then send one 64 KiB DATA message per round trip
 * of a WINDOW_UPDATE, which capped the download direction (bench/README.md, the tunnel).
 * Session windows (1 MiB each) still bound what a session may have in flight.
 */
const FLOW_CONTROL_WINDOW = 8 * 1024 * 1024;

export function createGrpcTransport(options: GrpcTransportOptions): TunnelTransport {
  const credentials = options.insecure ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(options.ca ?? null);
  return {
    open(endpoint, token, handlers) {
      const channelOptions: grpc.ChannelOptions = {
        // HTTP/2 pings find a dead path (NAT timeout, silent drop) even while no session is open.
        'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 20_000,
        'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
        'grpc.keepalive_permit_without_calls': 1,
        // One connection per tunnel: without a local pool grpc-js would share subchannels
        // between clients of the same target.
        'grpc.use_local_subchannel_pool': 1,
        // The tunnel does its own reconnecting (Backoff); a retried stream would replay nothing useful.
        'grpc.enable_retries': 0,
        'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
      };
      if (endpoint.name) {
        // Dialling one address of a DNS name: present and verify the name, not the IP.
        channelOptions['grpc.default_authority'] = formatHostPort(endpoint.name);
        if (!options.insecure) channelOptions['grpc.ssl_target_name_override'] = endpoint.name.host;
      }
      const client = new grpc.Client(endpoint.target, credentials, channelOptions);
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token.reveal()}`);
      const call = client.makeBidiStreamRequest<ConnectRequest, ConnectResponse>(connect.path, connect.requestSerialize, connect.responseDeserialize, metadata, {});
      let ended = false;
      const end = (status: StreamStatus): void => {
        if (ended) return;
        ended = true;
        client.close();
        handlers.onEnd(status);
      };
      call.on('data', (message: ConnectResponse) => {
        if (!ended) handlers.onMessage(message);
      });
      call.on('drain', () => handlers.onDrain());
      call.on('error', (error: grpc.ServiceError) => end({ code: error.code, details: error.details }));
      call.on('status', (status: grpc.StatusObject) => end({ code: status.code, details: status.details }));
      return {
        write: (message) => (ended ? true : call.write(message)),
        end: () => call.end(),
        cancel: () => call.cancel(),
      };
    },
  };
}
