// What the tunnel suites share: targets, the fake agent, and (from @jitgate/testkit, which the
// end-to-end suites use too) tcp connections with a grant, registered agents, and clients that
// speak the handshake line of docs/tunnel.md on real loopback sockets.
import net from 'node:net';
import { once } from 'node:events';
import type { TestGateway } from './gateway-harness.js';
import { FakeAgent, type FakeAgentOptions } from './fake-agent.js';

/** A target that echoes, and passes the client's FIN back as its own. */
export async function startEchoServer(): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function agentOptions(gw: TestGateway, token: string | undefined, hello: FakeAgentOptions['hello'], extra: Partial<FakeAgentOptions> = {}): FakeAgentOptions {
  return { address: `127.0.0.1:${gw.tunnelPort}`, token, hello, ...extra };
}

export {
  allowConnections,
  connectClient,
  createIdentity,
  createTcpConnection,
  echo,
  exchange,
  rawClient,
  registerAgent,
  requestGrant,
  TunnelClient,
  type TestGrant,
  type TestIdentity,
} from '@jitgate/testkit';
export { FakeAgent };
