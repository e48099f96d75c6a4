// An in-memory TunnelTransport: each open() is a FakeStream the test drives as the gateway.
import { create } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { ConnectResponseSchema, WelcomeSchema, type ConnectRequest, type ConnectResponse } from '@jitgate/proto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { TunnelEndpoint } from '../../src/gateway/gateway-addresses.js';
import type { StreamStatus, TunnelStream, TunnelStreamHandlers, TunnelTransport } from '../../src/gateway/grpc-transport.js';
import type { SecretValue } from '../../src/credentials/secret-value.js';

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeStream implements TunnelStream {
  readonly written: ConnectRequest[] = [];
  halfClosed = false;
  cancelled = false;
  done = false;
  writeResult = true;

  constructor(
    readonly endpoint: TunnelEndpoint,
    readonly token: string,
    private readonly handlers: TunnelStreamHandlers,
  ) {}

  write(message: ConnectRequest): boolean {
    this.written.push(message);
    return this.writeResult;
  }

  end(): void {
    this.halfClosed = true;
  }

  cancel(): void {
    this.cancelled = true;
    // grpc-js reports the cancellation asynchronously; so does the fake.
    queueMicrotask(() => this.finish({ code: status.CANCELLED, details: 'Cancelled on client' }));
  }

  // ---- the gateway's side ---------------------------------------------------------------

  send(msg: ConnectResponse['msg']): void {
    this.handlers.onMessage(create(ConnectResponseSchema, { msg }));
  }

  welcome(init: MessageInitShape<typeof WelcomeSchema> = {}): void {
    this.send({ case: 'welcome', value: create(WelcomeSchema, { agentId: 'agent-1', gatewayId: 'gw-1', heartbeatIntervalMs: 1000, ...init }) });
  }

  drain(): void {
    this.handlers.onDrain();
  }

  finish(result: StreamStatus): void {
    if (this.done) return;
    this.done = true;
    this.handlers.onEnd(result);
  }

  cases(): Array<ConnectRequest['msg']['case']> {
    return this.written.map((m) => m.msg.case);
  }
}

export class FakeTransport implements TunnelTransport {
  readonly streams: FakeStream[] = [];

  open(endpoint: TunnelEndpoint, token: SecretValue, handlers: TunnelStreamHandlers): FakeStream {
    const stream = new FakeStream(endpoint, token.reveal(), handlers);
    this.streams.push(stream);
    return stream;
  }

  last(): FakeStream {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('no stream opened yet');
    return stream;
  }

  to(target: string): FakeStream[] {
    return this.streams.filter((s) => s.endpoint.target === target);
  }
}
