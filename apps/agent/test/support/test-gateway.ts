// A test-only stand-in for the gateway's tunnel server (docs/tunnel.md, the gateway's side):
// a grpc-js TunnelService that checks the agent token in the metadata, wants Hello first,
// answers Welcome, sends SessionOpen, and pipes each opened session through SessionPipe to a
// local client socket, the way the real gateway pipes its `jitgate connect` clients. It lets the
// agent be tested alone; the suites with the real gateway and the built agent are in e2e/ at the
// repository's root.
import net from 'node:net';
import { once } from 'node:events';
import { create } from '@bufbuild/protobuf';
import grpc from '@grpc/grpc-js';
import {
  CloseReason,
  ConnectionAssignmentSchema,
  ConnectResponseSchema,
  DataSchema,
  GrantRevokedSchema,
  HalfCloseSchema,
  HeartbeatSchema,
  SessionCloseSchema,
  SessionOpenSchema,
  tunnelServiceDefinition,
  WelcomeSchema,
  WindowUpdateSchema,
  type ConnectRequest,
  type ConnectResponse,
  type Hello,
  type SessionOpened,
} from '@jitgate/proto';
import { DEFAULT_WINDOW, SessionPipe, type SessionEnd } from '@jitgate/tunnel';

export interface TestAssignment {
  name: string;
  type?: string;
  settings: Record<string, unknown>;
  credentialRef?: string;
}

export interface TestGatewayOptions {
  token: string;
  assignments: TestAssignment[];
  heartbeatIntervalMs?: number;
  /** Serve TLS with this certificate instead of plaintext. */
  tls?: { cert: Buffer; key: Buffer };
}

type Call = grpc.ServerDuplexStream<ConnectRequest, ConnectResponse>;

export interface TestSession {
  sid: number;
  opened: SessionOpened;
  /** The client's socket (as `jitgate connect` would hold it); only when opened.ok. */
  client: net.Socket | undefined;
  /** How the gateway-side pipe ended. */
  ended: Promise<SessionEnd>;
}

const until = <T>(what: string, ms: number, promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

export class TestTunnel {
  /** Every message after Hello, in order; raw bytes too, to search for leaked secrets. */
  readonly received: ConnectRequest[] = [];
  readonly receivedBytes: Buffer[] = [];
  /** A frozen gateway sends nothing at all: no heartbeats, no window updates, no data. */
  frozen = false;
  readonly ended: Promise<void>;
  private readonly pipes = new Map<number, SessionPipe>();
  private readonly openWaiters = new Map<number, (opened: SessionOpened) => void>();
  private readonly watchers: Array<() => void> = [];
  private nextSid = 1;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly call: Call,
    readonly hello: Hello,
    readonly metadata: grpc.Metadata,
    private readonly gateway: TestGateway,
    heartbeatIntervalMs: number,
  ) {
    this.ended = new Promise((resolve) => call.once('close', resolve));
    this.heartbeat = setInterval(() => this.send({ case: 'heartbeat', value: create(HeartbeatSchema, { sentAtUnixMs: BigInt(Date.now()) }) }), heartbeatIntervalMs);
    void this.ended.then(() => {
      clearInterval(this.heartbeat);
      for (const pipe of this.pipes.values()) pipe.abort(CloseReason.UNSPECIFIED, 'tunnel gone');
    });
    // The agent half-closed (graceful shutdown): end our side too, like the gateway does.
    call.on('end', () => call.end());
  }

  send(msg: ConnectResponse['msg']): void {
    if (this.frozen || this.call.destroyed || this.call.writableEnded) return;
    this.call.write(create(ConnectResponseSchema, { msg }));
  }

  onMessage(message: ConnectRequest, bytes: Buffer): void {
    this.received.push(message);
    this.receivedBytes.push(bytes);
    const frame = message.msg;
    switch (frame.case) {
      case 'sessionOpened':
        this.openWaiters.get(frame.value.sid)?.(frame.value);
        break;
      case 'data':
        this.pipes.get(frame.value.sid)?.onData(frame.value.payload);
        break;
      case 'windowUpdate':
        this.pipes.get(frame.value.sid)?.onWindowUpdate(frame.value.increment);
        break;
      case 'halfClose':
        this.pipes.get(frame.value.sid)?.onHalfClose();
        break;
      case 'sessionClose':
        this.pipes.get(frame.value.sid)?.onClose(frame.value.reason, frame.value.message);
        break;
      default:
        break;
    }
    for (const watch of this.watchers.splice(0)) watch();
  }

  /** Resolves with the first received message (past or future) that matches. */
  async waitFor(match: (m: ConnectRequest) => boolean, what: string, ms = 5000): Promise<ConnectRequest> {
    const check = (): ConnectRequest | undefined => this.received.find(match);
    return until(
      what,
      ms,
      new Promise<ConnectRequest>((resolve) => {
        const look = (): void => {
          const found = check();
          if (found) resolve(found);
          else this.watchers.push(look);
        };
        look();
      }),
    );
  }

  /** Asks the agent for a session and, when it accepts, pipes it to a fresh client socket. */
  async openSession(init: { connection: string; grantId?: string; expiresAt?: number; sid?: number; clientParameters?: Record<string, string> }): Promise<TestSession> {
    const sid = init.sid ?? this.nextSid++;
    const { client, server } = await this.gateway.socketPair();
    let resolveEnd!: (end: SessionEnd) => void;
    const ended = new Promise<SessionEnd>((resolve) => (resolveEnd = resolve));
    const opened = new Promise<SessionOpened>((resolve) =>
      this.openWaiters.set(sid, (answer) => {
        this.openWaiters.delete(sid);
        // Synchronously, before the next frame: DATA may follow SessionOpened at once.
        if (answer.ok) {
          this.pipes.set(
            sid,
            new SessionPipe(server, this.framesFor(sid), {
              sendWindow: answer.initialWindow,
              receiveWindow: DEFAULT_WINDOW,
              socketClosedReason: CloseReason.CLIENT_CLOSED,
              onEnd: (end) => {
                this.pipes.delete(sid);
                resolveEnd(end);
              },
            }),
          );
        }
        resolve(answer);
      }),
    );
    this.send({
      case: 'sessionOpen',
      value: create(SessionOpenSchema, {
        sid,
        sessionId: `session-${sid}`,
        connection: init.connection,
        grantId: init.grantId ?? 'grant-1',
        grantExpiresAtUnixMs: BigInt(init.expiresAt ?? Date.now() + 3_600_000),
        scope: 'tcp',
        initialWindow: DEFAULT_WINDOW,
        clientParameters: init.clientParameters ?? {},
      }),
    });
    const answer = await until(`SessionOpened for sid ${sid}`, 15_000, opened);
    if (!answer.ok) {
      client.destroy();
      server.destroy();
    }
    return { sid, opened: answer, client: answer.ok ? client : undefined, ended };
  }

  revokeGrant(grantId: string): void {
    this.send({ case: 'grantRevoked', value: create(GrantRevokedSchema, { grantId, reason: CloseReason.GRANT_REVOKED }) });
  }

  /** Raw frames, bypassing any pipe: for malformed and unknown-sid cases. */
  sendData(sid: number, payload: Uint8Array): void {
    this.send({ case: 'data', value: create(DataSchema, { sid, payload }) });
  }

  sendWindowUpdate(sid: number, increment: number): void {
    this.send({ case: 'windowUpdate', value: create(WindowUpdateSchema, { sid, increment }) });
  }

  sendHalfClose(sid: number): void {
    this.send({ case: 'halfClose', value: create(HalfCloseSchema, { sid }) });
  }

  /** Ends the call with a status, as a crashing or refusing gateway would. */
  drop(code: grpc.status = grpc.status.UNAVAILABLE, details = 'gateway going away'): void {
    this.call.emit('error', { code, details });
  }

  private framesFor(sid: number) {
    return {
      sendData: (payload: Uint8Array) => this.send({ case: 'data', value: create(DataSchema, { sid, payload }) }),
      sendWindowUpdate: (increment: number) => this.sendWindowUpdate(sid, increment),
      sendHalfClose: () => this.sendHalfClose(sid),
      sendClose: (reason: CloseReason, message: string) => this.send({ case: 'sessionClose', value: create(SessionCloseSchema, { sid, reason, message }) }),
      writable: () => !this.frozen,
    };
  }
}

export class TestGateway {
  readonly tunnels: TestTunnel[] = [];
  connectAttempts = 0;
  readonly rejected: grpc.status[] = [];
  private readonly tunnelWaiters: Array<(tunnel: TestTunnel) => void> = [];
  private readonly clients = new Set<net.Socket>();

  private constructor(
    private readonly server: grpc.Server,
    private readonly clientListener: net.Server,
    readonly port: number,
    private readonly options: TestGatewayOptions,
  ) {}

  static async start(options: TestGatewayOptions): Promise<TestGateway> {
    const server = new grpc.Server();
    const clientListener = net.createServer({ allowHalfOpen: true });
    clientListener.listen(0, '127.0.0.1');
    await once(clientListener, 'listening');
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        options.tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false) : grpc.ServerCredentials.createInsecure(),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
    const gateway = new TestGateway(server, clientListener, port, options);
    server.addService(tunnelServiceDefinition, { connect: (call: Call) => gateway.accept(call) });
    return gateway;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The next tunnel that passes authentication and Hello (or one already waiting). */
  nextTunnel(ms = 10_000): Promise<TestTunnel> {
    return until('a tunnel from the agent', ms, new Promise<TestTunnel>((resolve) => this.tunnelWaiters.push(resolve)));
  }

  /** A connected client/server socket pair through the gateway's client listener. */
  async socketPair(): Promise<{ client: net.Socket; server: net.Socket }> {
    const accepted = once(this.clientListener, 'connection') as Promise<[net.Socket]>;
    const client = net.connect({ host: '127.0.0.1', port: (this.clientListener.address() as net.AddressInfo).port, allowHalfOpen: true });
    const [server] = await accepted;
    this.clients.add(client).add(server);
    return { client, server };
  }

  async close(): Promise<void> {
    for (const socket of this.clients) socket.destroy();
    this.server.forceShutdown();
    await new Promise<void>((resolve) => this.clientListener.close(() => resolve()));
  }

  private accept(call: Call): void {
    this.connectAttempts += 1;
    const reject = (code: grpc.status, details: string): void => {
      this.rejected.push(code);
      call.emit('error', { code, details });
    };
    if (call.metadata.get('authorization')[0] !== `Bearer ${this.options.token}`) return reject(grpc.status.UNAUTHENTICATED, 'unknown or revoked agent token');
    call.once('data', (first: ConnectRequest) => {
      if (first.msg.case !== 'hello') return reject(grpc.status.INVALID_ARGUMENT, 'the first message must be Hello');
      const hello = first.msg.value;
      const offered = new Set(hello.connections);
      const interval = this.options.heartbeatIntervalMs ?? 5000;
      const tunnel = new TestTunnel(call, hello, call.metadata, this, interval);
      call.on('data', (message: ConnectRequest) => tunnel.onMessage(message, Buffer.from(tunnelServiceDefinition.connect.requestSerialize(message))));
      call.on('error', () => {});
      tunnel.receivedBytes.push(tunnelServiceDefinition.connect.requestSerialize(first));
      tunnel.send({
        case: 'welcome',
        value: create(WelcomeSchema, {
          agentId: 'agent-1',
          gatewayId: 'test-gateway',
          heartbeatIntervalMs: interval,
          connections: this.options.assignments
            .filter((a) => offered.has(a.name))
            .map((a) => create(ConnectionAssignmentSchema, { name: a.name, type: a.type ?? 'tcp', settingsJson: JSON.stringify(a.settings), credentialRef: a.credentialRef ?? '' })),
          refused: hello.connections.filter((name) => !this.options.assignments.some((a) => a.name === name)).map((name) => ({ name, reason: 'not in the agent group' })),
        }),
      });
      this.tunnels.push(tunnel);
      const waiter = this.tunnelWaiters.shift();
      waiter?.(tunnel);
    });
  }
}
