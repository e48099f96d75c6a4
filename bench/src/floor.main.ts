// The floors of the data-plane benches: the least that the stack issue 4 and issue 5 chose
// (a Node gateway and a Node agent, gRPC between them via grpc-js) can cost on this machine,
// measured in the same run as jitgate. Each mode is a process of its own, with nothing of
// jitgate in it: no authentication, no policy, no flow control of our own, no recording.
//
//   tcp-relay <to-port>              accepts TCP and pipes each connection to 127.0.0.1:<to-port>
//   grpc-gateway                     accepts TCP (callers) and the agent's gRPC call; relays
//   grpc-agent <tunnel-port> <to>    dials the gateway's gRPC port; opens 127.0.0.1:<to> per session
//   http-proxy <to-port>             a node:http reverse proxy (keep-alive upstream) that drops the
//                                    caller's Authorization and sets its own, as gateway and agent do
//
// Each prints one JSON line with the ports it listens on, then runs until killed. The gRPC pair
// is what jitgate's tunnel is at its barest: one bidirectional call the agent opens (HTTP/2
// receive window 8 MiB, Nagle off on the gateway's sockets, as in jitgate), every session's bytes
// multiplexed on it as raw messages (a 4-byte session number and a 1-byte kind before the bytes;
// identity serialisers, so no protobuf), with no credit windows: pgbench's messages are small.
import grpc from '@grpc/grpc-js';
import http from 'node:http';
import net from 'node:net';

// biome-ignore lint/suspicious/noConstEnum: file-local, inlined by tsc; nothing imports it across a module boundary.
const enum Kind {
  Open = 0,
  Data = 1,
  Close = 2,
}

const identity = (buffer: Buffer): Buffer => buffer;
const TUNNEL: grpc.ServiceDefinition = {
  connect: {
    path: '/jitgate.bench.Floor/Connect',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

function frame(session: number, kind: Kind, payload?: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + (payload?.length ?? 0));
  out.writeUInt32BE(session, 0);
  out[4] = kind;
  payload?.copy(out, 5);
  return out;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** Both sockets end together; an error on either ends both. */
function tie(a: net.Socket, b: net.Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

/** A session's socket on either side of the gRPC pair: its bytes go out as frames, frames come in as writes. */
class Sessions {
  private readonly sockets = new Map<number, net.Socket>();

  constructor(private readonly send: (frame: Buffer) => void) {}

  /** The gateway's side: tells the agent to open the target, then relays. */
  open(session: number, socket: net.Socket): void {
    this.send(frame(session, Kind.Open));
    this.add(session, socket);
  }

  add(session: number, socket: net.Socket): void {
    this.sockets.set(session, socket);
    socket.on('data', (chunk: Buffer) => this.send(frame(session, Kind.Data, chunk)));
    const end = () => {
      if (this.sockets.delete(session)) this.send(frame(session, Kind.Close));
      socket.destroy();
    };
    socket.on('error', end).on('close', end);
  }

  /** A frame from the other side; Open is the caller's to handle (only the agent receives it). */
  receive(message: Buffer): { session: number; kind: Kind } {
    const session = message.readUInt32BE(0);
    const kind = message[4] as Kind;
    const socket = this.sockets.get(session);
    if (kind === Kind.Data) socket?.write(message.subarray(5));
    else if (kind === Kind.Close && socket) {
      this.sockets.delete(session);
      socket.destroy();
    }
    return { session, kind };
  }
}

async function tcpRelay(toPort: number): Promise<void> {
  const server = net.createServer({ noDelay: true }, (caller) => {
    const upstream = net.connect({ host: '127.0.0.1', port: toPort, noDelay: true });
    caller.pipe(upstream);
    upstream.pipe(caller);
    tie(caller, upstream);
  });
  console.log(JSON.stringify({ port: await listen(server) }));
}

async function grpcGateway(): Promise<void> {
  let sessions: Sessions | undefined;
  let next = 1;
  const server = new grpc.Server();
  server.addService(TUNNEL, {
    connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const mine = new Sessions((f) => call.write(f));
      sessions = mine;
      call.on('data', (message: Buffer) => mine.receive(message));
    },
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const tunnelPort = await listen(net.createServer({ noDelay: true }, (socket) => injector.injectConnection(socket)));
  const port = await listen(
    net.createServer({ noDelay: true }, (caller) => {
      if (!sessions) return caller.destroy();
      // Open goes out before any of the caller's bytes can (they arrive in a later turn): frames keep order.
      sessions.open(next++, caller);
    }),
  );
  console.log(JSON.stringify({ port, tunnelPort }));
}

async function grpcAgent(tunnelPort: number, toPort: number): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(TUNNEL, 'Floor');
  const client = new Client(`127.0.0.1:${tunnelPort}`, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 8 * 1024 * 1024, 'grpc.use_local_subchannel_pool': 1 });
  const call = (client as unknown as { connect(): grpc.ClientDuplexStream<Buffer, Buffer> }).connect();
  const sessions = new Sessions((f) => call.write(f));
  call.on('data', (message: Buffer) => {
    const { session, kind } = sessions.receive(message);
    if (kind === Kind.Open) sessions.add(session, net.connect({ host: '127.0.0.1', port: toPort, noDelay: true }));
  });
  call.on('error', (error: Error) => {
    console.error(`floor grpc-agent: ${error.message}`);
    process.exit(1);
  });
  console.log(JSON.stringify({}));
}

async function httpProxy(toPort: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((request, response) => {
    const headers = { ...request.headers, host: `127.0.0.1:${toPort}`, authorization: 'Bearer floor' };
    const upstream = http.request({ host: '127.0.0.1', port: toPort, method: request.method, path: request.url, headers, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      response.statusCode = 502;
      response.end();
    });
    request.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  console.log(JSON.stringify({ port: await listen(server) }));
}

const [mode, ...args] = process.argv.slice(2);
const port = (index: number): number => {
  const value = Number(args[index]);
  if (!Number.isInteger(value) || value <= 0 || value > 65_535) throw new Error(`floor ${mode}: argument ${index + 1} is not a port: ${args[index]}`);
  return value;
};
switch (mode) {
  case 'tcp-relay':
    await tcpRelay(port(0));
    break;
  case 'grpc-gateway':
    await grpcGateway();
    break;
  case 'grpc-agent':
    await grpcAgent(port(0), port(1));
    break;
  case 'http-proxy':
    await httpProxy(port(0));
    break;
  default:
    throw new Error(`floor: unknown mode ${mode}; one of tcp-relay, grpc-gateway, grpc-agent, http-proxy`);
}
