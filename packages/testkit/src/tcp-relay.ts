// A TCP relay a suite puts between the gateway and a dependency (its control database), so that
// it can cut that dependency off — every open socket reset, new ones refused — and bring it back,
// without touching the machine's shared server that every other suite uses (issue 15's faults).
// It also makes a service of the test's own network namespace reachable from another (listening
// on that namespace's link address: `listenHost`).
import net from 'node:net';

export class TcpRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private frozen = false;
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly listenHost = '127.0.0.1',
  ) {}

  get cut(): boolean {
    return this.server === undefined;
  }

  /** Listens (again, on the same port after a cut) and relays each connection to the target. */
  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      if (this.frozen) for (const socket of [client, upstream]) socket.pause();
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, this.listenHost, resolve));
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** The dependency is gone: every relayed socket is destroyed, new connections are refused. */
  async cutOff(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /**
   * The dependency hangs: connections stay open (and new ones are accepted) but nothing is
   * carried either way, as with a frozen server or a network that drops without a word.
   */
  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
  }

  /** `url` (postgresql://…, redis://…) pointed at this relay instead of the target. */
  urlThrough(url: string): string {
    const through = new URL(url);
    through.hostname = this.listenHost;
    through.port = String(this.port);
    return through.toString();
  }
}
