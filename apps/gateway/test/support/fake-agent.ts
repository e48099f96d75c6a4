// A small agent for the gateway's integration suites: the agent side of docs/tunnel.md on
// @grpc/grpc-js, @jitgate/proto and SessionPipe, dialling real loopback targets. It is a
// stand-in at this level only (apps/agent is the real one, run with this gateway in e2e/), and it can
// misbehave on purpose: send raw frames, refuse sessions, stay silent.
import net from 'node:net';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Client, credentials as grpcCredentials, Metadata, status, type ChannelCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { CloseReason, ConnectRequestSchema, TUNNEL_CONNECT_PATH, tunnelServiceDefinition, type ConnectRequest, type ConnectResponse, type SessionOpen, type Welcome } from '@jitgate/proto';
import { DEFAULT_WINDOW, SessionPipe, type SessionEnd } from '@jitgate/tunnel';

type RequestInit = MessageInitShape<typeof ConnectRequestSchema>['msg'];
type ValueOf<C> = Extract<ConnectResponse['msg'], { case: C }> extends { value: infer V } ? V : never;

export interface FakeAgentOptions {
  /** host:port of the gateway's tunnel server. */
  address: string;
  /** The whole authorization value is `Bearer <token>`; undefined sends no metadata at all. */
  token: string | undefined;
  hello: { name: string; connections: string[]; version?: string; labels?: Record<string, string>; instanceId?: string };
  credentials?: ChannelCredentials;
  /** Send something else than Hello first. */
  firstMessage?: RequestInit;
  /** How to answer SessionOpen (default: dial the assignment's host:port). */
  onSessionOpen?: (open: SessionOpen) => 'dial' | { refuse: string } | 'ignore';
  /** Send heartbeats at the Welcome's interval (default true). */
  heartbeats?: boolean;
}

export interface AgentSession {
  open: SessionOpen;
  target?: net.Socket;
  pipe?: SessionPipe;
  end?: SessionEnd;
}

export interface CallEnd {
  code: status;
  details: string;
}

export class FakeAgent {
  readonly received: ConnectResponse[] = [];
  readonly sessions = new Map<number, AgentSession>();
  welcome: Welcome | undefined;
  /** Settles when the call ends, with its status. */
  readonly ended: Promise<CallEnd>;
  private readonly client: Client;
  private readonly call: ClientDuplexStream<ConnectRequest, ConnectResponse>;
  private congested = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private welcomed: ((welcome: Welcome) => void) | undefined;

  private constructor(private readonly options: FakeAgentOptions) {
    this.client = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure());
    const metadata = new Metadata();
    if (options.token !== undefined) metadata.set('authorization', `Bearer ${options.token}`);
    const { requestSerialize, responseDeserialize } = tunnelServiceDefinition.connect;
    this.call = this.client.makeBidiStreamRequest(TUNNEL_CONNECT_PATH, requestSerialize, responseDeserialize, metadata);
    this.ended = new Promise((resolve) => {
      this.call.on('status', (s: { code: status; details: string }) => resolve({ code: s.code, details: s.details }));
    });
    this.call.on('error', () => {}); // the status above says it all
    this.call.on('data', (message: ConnectResponse) => this.receive(message));
    this.call.on('drain', () => {
      this.congested = false;
      for (const session of this.sessions.values()) session.pipe?.resume();
    });
    void this.ended.then(() => this.teardown());
  }

  /** Connects and resolves once welcomed; rejects with the call's status if it ends first. */
  static async connect(options: FakeAgentOptions): Promise<FakeAgent> {
    const agent = new FakeAgent(options);
    const welcome = new Promise<Welcome>((resolve) => {
      agent.welcomed = resolve;
    });
    agent.send(options.firstMessage ?? { case: 'hello', value: { version: '0.0.0-test', labels: {}, instanceId: 'test-1', ...options.hello } });
    const outcome = await Promise.race([welcome, agent.ended]);
    if ('code' in outcome) throw Object.assign(new Error(`call ended: ${status[outcome.code]} ${outcome.details}`), outcome);
    return agent;
  }

  /** Starts a call and returns how it ended (for refusals): never welcomed. */
  static async refusal(options: FakeAgentOptions): Promise<CallEnd> {
    try {
      const agent = await FakeAgent.connect(options);
      agent.close();
      throw new Error('the gateway welcomed an agent it should have refused');
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'code' in error) return error as CallEnd;
      throw error;
    }
  }

  send(msg: RequestInit): void {
    if (!this.call.write(create(ConnectRequestSchema, { msg }))) this.congested = true;
  }

  /** Ends the stream from the agent's side. */
  close(): void {
    this.call.end();
    this.teardown();
  }

  /** Cuts the connection without a word (a crashed agent). */
  kill(): void {
    this.call.cancel();
    this.client.close();
  }

  /** What the gateway sent of one kind, in order. */
  messages<C extends NonNullable<ConnectResponse['msg']['case']>>(kind: C): Array<ValueOf<C>> {
    const found: Array<ValueOf<C>> = [];
    for (const message of this.received) if (message.msg.case === kind) found.push(message.msg.value as ValueOf<C>);
    return found;
  }

  private receive(message: ConnectResponse): void {
    this.received.push(message);
    const msg = message.msg;
    switch (msg.case) {
      case 'welcome':
        this.welcome = msg.value;
        if (this.options.heartbeats !== false) {
          this.heartbeat = setInterval(() => this.send({ case: 'heartbeat', value: { sentAtUnixMs: BigInt(Date.now()) } }), msg.value.heartbeatIntervalMs);
        }
        return this.welcomed?.(msg.value);
      case 'sessionOpen':
        return this.open(msg.value);
      case 'data':
        return this.sessions.get(msg.value.sid)?.pipe?.onData(msg.value.payload);
      case 'windowUpdate':
        return this.sessions.get(msg.value.sid)?.pipe?.onWindowUpdate(msg.value.increment);
      case 'halfClose':
        return this.sessions.get(msg.value.sid)?.pipe?.onHalfClose();
      case 'sessionClose':
        return this.sessions.get(msg.value.sid)?.pipe?.onClose(msg.value.reason, msg.value.message);
      case 'grantRevoked':
        for (const session of this.sessions.values()) {
          if (session.open.grantId === msg.value.grantId) session.pipe?.close(msg.value.reason, 'grant revoked');
        }
        return;
      default:
        return;
    }
  }

  private open(open: SessionOpen): void {
    const session: AgentSession = { open };
    this.sessions.set(open.sid, session);
    const decision = this.options.onSessionOpen?.(open) ?? 'dial';
    if (decision === 'ignore') return;
    const refuse = (error: string) => this.send({ case: 'sessionOpened', value: { sid: open.sid, ok: false, error } });
    if (decision !== 'dial') return refuse(decision.refuse);
    const assignment = this.welcome?.connections.find((c) => c.name === open.connection);
    if (!assignment) return refuse(`connection "${open.connection}" is not assigned to this agent`);
    const { host, port } = JSON.parse(assignment.settingsJson) as { host: string; port: number };
    const target = net.connect({ host, port, allowHalfOpen: true });
    target.once('error', (error) => {
      if (!session.pipe) refuse(`dial ${host}:${port}: ${error.message}`);
    });
    target.once('connect', () => {
      session.target = target;
      session.pipe = new SessionPipe(target, this.framesFor(open.sid), {
        sendWindow: open.initialWindow,
        receiveWindow: DEFAULT_WINDOW,
        socketClosedReason: CloseReason.TARGET_CLOSED,
        onEnd: (end) => {
          session.end = end;
        },
      });
      this.send({ case: 'sessionOpened', value: { sid: open.sid, ok: true, initialWindow: DEFAULT_WINDOW } });
    });
  }

  private framesFor(sid: number) {
    return {
      sendData: (payload: Uint8Array) => this.send({ case: 'data', value: { sid, payload } }),
      sendWindowUpdate: (increment: number) => this.send({ case: 'windowUpdate', value: { sid, increment } }),
      sendHalfClose: () => this.send({ case: 'halfClose', value: { sid } }),
      sendClose: (reason: CloseReason, message: string) => this.send({ case: 'sessionClose', value: { sid, reason, message } }),
      writable: () => !this.congested,
    };
  }

  private teardown(): void {
    clearInterval(this.heartbeat);
    // With the gateway gone nothing gets through (docs/tunnel.md, "Enforcement").
    for (const session of this.sessions.values()) session.pipe?.abort(CloseReason.SHUTDOWN, 'tunnel closed');
  }
}
