// Small TCP pieces for the network-fault suites: a relay that makes a service of the test's
// namespace (the machine's PostgreSQL on 127.0.0.1) reachable from the agent's namespace, and
// a client of the gateway's client port that speaks the handshake line itself (docs/tunnel.md,
// "Clients"), for sessions and refusals without `jitgate connect`.
import { once } from 'node:events';
import net from 'node:net';

export interface RelayedConnection {
  /** When the agent's side of the relayed connection closed, in Date.now() terms. */
  closedAt: number | undefined;
}

/** Listens on `host` (the target link) and pipes each connection to `to`; closing one side closes the other. */
export class TcpRelay {
  readonly connections: RelayedConnection[] = [];

  private constructor(private readonly server: net.Server) {}

  static async start(host: string, to: { host: string; port: number }): Promise<TcpRelay> {
    const server = net.createServer();
    const relay = new TcpRelay(server);
    server.on('connection', (inbound) => {
      const entry: RelayedConnection = { closedAt: undefined };
      relay.connections.push(entry);
      const outbound = net.connect(to);
      for (const [socket, other] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        socket.on('error', () => {});
        socket.on('close', () => other.destroy());
        socket.pipe(other);
      }
      inbound.once('close', () => (entry.closedAt ??= Date.now()));
    });
    server.listen(0, host);
    await once(server, 'listening');
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.close();
    return new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** A session opened on the gateway's client port with the handshake line, or its refusal. */
export async function handshake(port: number, connection: string, token: string): Promise<{ line: string; socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  socket.write(`JITGATE/1 CONNECT ${connection} ${token}\n`);
  for (;;) {
    const all = Buffer.concat(chunks);
    const newline = all.indexOf(0x0a);
    if (newline >= 0) {
      chunks.splice(0, chunks.length, all.subarray(newline + 1));
      return { line: all.subarray(0, newline).toString(), socket, received: () => Buffer.concat(chunks), closed };
    }
    await Promise.race([once(socket, 'data'), closed.then(() => Promise.reject(new Error(`closed before the handshake answer: ${all.toString()}`)))]);
  }
}
