// widenReceiveWindow on a real grpc-js server and client: the session under a Connect call is
// found and its receive window raised, on the connection and on the stream.
import { once } from 'node:events';
import type { Http2Session } from 'node:http2';
import { Client, credentials, Server, ServerCredentials } from '@grpc/grpc-js';
import { tunnelWireDefinition } from '@jitgate/tunnel';
import { afterEach, describe, expect, it } from 'vitest';
import type { TunnelCall } from './agent-tunnel.js';
import { TUNNEL_RECEIVE_WINDOW, widenReceiveWindow } from './tunnel-flow-control.js';

describe('widenReceiveWindow', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('raises the HTTP/2 receive window under a Connect call, once per connection', async () => {
    const calls: TunnelCall[] = [];
    const server = new Server();
    server.addService(tunnelWireDefinition, { connect: (call: TunnelCall) => calls.push(call) });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    cleanups.push(
      () => client.close(),
      () => server.forceShutdown(),
    );
    const connect = tunnelWireDefinition.connect;
    const stream = client.makeBidiStreamRequest(connect.path, connect.requestSerialize, connect.responseDeserialize);
    stream.on('error', () => {});
    cleanups.push(() => stream.cancel());
    for (let i = 0; i < 100 && calls.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const call = calls[0] as TunnelCall;
    const session = (call as unknown as { call: { stream: { session: Http2Session } } }).call.stream.session;
    expect(session.state.localWindowSize).toBe(65_535);

    expect(widenReceiveWindow(call)).toBe(true);
    expect(session.state.localWindowSize).toBe(TUNNEL_RECEIVE_WINDOW);
    await once(session, 'localSettings');
    expect(session.localSettings.initialWindowSize).toBe(TUNNEL_RECEIVE_WINDOW);
    expect(widenReceiveWindow(call)).toBe(true);
  });

  it('changes nothing and says so when the call carries no session', () => {
    expect(widenReceiveWindow({} as TunnelCall)).toBe(false);
  });
});
