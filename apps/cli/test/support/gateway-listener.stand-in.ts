// A stand-in for the gateway's client listener (docs/tunnel.md): reads the handshake line,
// answers like the gateway does (with @jitgate/contracts' lines), and on 200 plays one of a few
// scripted targets.
import net from 'node:net';
import tls from 'node:tls';
import { formatHandshakeOk, formatHandshakeRefusal, parseHandshakeRequest, type HandshakeCode, type HandshakeStatus } from '@jitgate/contracts';

export type Behaviour =
  /** Echo every byte; pass the client's FIN back once everything is echoed. */
  | 'echo'
  /** Send the 200 line and a banner in one write (bytes right after the answer), then echo. */
  | 'banner'
  /** Wait for the client's FIN, then send a reply and end: the client must still read it. */
  | 'reply-after-fin'
  /** Send "hello" and FIN first; record what the client sends afterwards. */
  | 'fin-first'
  /** Refuse with this status, code and message. */
  | { status: HandshakeStatus; code: HandshakeCode; message: string };

export interface StandInOptions {
  token: string;
  connections: Record<string, Behaviour>;
  tls?: { key: string; cert: string };
}

export class GatewayListenerStandIn {
  readonly handshakes: string[] = [];
  /** Bytes received after the gateway's own FIN, per `fin-first` session. */
  readonly afterFin: Buffer[] = [];
  private readonly server: net.Server;
  private readonly sessions = new Set<net.Socket>();
  private readonly sockets = new Set<net.Socket>();
  private sessionCount = 0;

  constructor(private readonly options: StandInOptions) {
    const onSocket = (socket: net.Socket) => this.handle(socket);
    this.server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert, allowHalfOpen: true }, onSocket) : net.createServer({ allowHalfOpen: true }, onSocket);
    // Every raw connection, TLS handshake done or not, so that stop() can end them all.
    this.server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A client that fails the TLS handshake never reaches onSocket; drop it quietly.
    this.server.on('tlsClientError', (_error: Error, socket: tls.TLSSocket) => socket.destroy());
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** What the gateway does at a grant's expiry: end every session at once. */
  endAllSessions(): void {
    for (const socket of this.sessions) socket.destroy();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(socket: net.Socket): void {
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline === -1) return;
      socket.off('data', onData);
      socket.pause();
      const rest = buffered.subarray(newline + 1);
      if (rest.length) socket.unshift(rest);
      this.answer(socket, buffered.subarray(0, newline).toString('latin1'));
    };
    socket.on('data', onData);
  }

  private answer(socket: net.Socket, line: string): void {
    this.handshakes.push(line);
    const refuse = (status: HandshakeStatus, code: HandshakeCode, message: string): void => {
      socket.end(formatHandshakeRefusal({ status, code, message }));
    };
    const request = parseHandshakeRequest(line);
    if (!request) return refuse(400, 'bad_handshake', 'expected JITGATE/1 CONNECT <connection> <token>');
    const { connection, token } = request;
    if (token !== this.options.token) return refuse(401, 'unauthenticated', 'the token is not valid');
    const behaviour = this.options.connections[connection];
    if (!behaviour) return refuse(404, 'not_found', `no tcp connection named "${connection}"`);
    if (typeof behaviour === 'object') return refuse(behaviour.status, behaviour.code, behaviour.message);

    const sessionId = `sess-${++this.sessionCount}`;
    this.sessions.add(socket);
    socket.once('close', () => this.sessions.delete(socket));
    switch (behaviour) {
      case 'echo':
        socket.write(formatHandshakeOk(sessionId));
        socket.pipe(socket);
        break;
      case 'banner':
        socket.write(`${formatHandshakeOk(sessionId)}WELCOME\n`);
        socket.pipe(socket);
        break;
      case 'reply-after-fin': {
        socket.write(formatHandshakeOk(sessionId));
        let got = 0;
        socket.on('data', (chunk: Buffer) => (got += chunk.length));
        socket.on('end', () => socket.end(`got ${got} bytes, bye\n`));
        socket.resume();
        break;
      }
      case 'fin-first': {
        socket.end(`${formatHandshakeOk(sessionId)}hello\n`);
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => this.afterFin.push(Buffer.concat(chunks)));
        socket.resume();
        break;
      }
    }
  }
}
