// The target: a TCP echo server that passes half-close through (the echo ends after the
// client's FIN) and records when each of its connections closed, for expiry-timing assertions.
import net from 'node:net';
import { once } from 'node:events';

export interface EchoConnection {
  socket: net.Socket;
  openedAt: number;
  closedAt: number | undefined;
  closed: Promise<number>;
}

export class EchoServer {
  readonly connections: EchoConnection[] = [];

  private constructor(private readonly server: net.Server) {}

  static async start(): Promise<EchoServer> {
    const server = net.createServer({ allowHalfOpen: true });
    const echo = new EchoServer(server);
    server.on('connection', (socket) => {
      const connection: EchoConnection = {
        socket,
        openedAt: Date.now(),
        closedAt: undefined,
        closed: new Promise((resolve) =>
          socket.once('close', () => {
            connection.closedAt = Date.now();
            resolve(connection.closedAt);
          }),
        ),
      };
      socket.on('error', () => {});
      socket.pipe(socket);
      echo.connections.push(connection);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return echo;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get open(): number {
    return this.connections.filter((c) => c.closedAt === undefined).length;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
