// The start and stop both client listeners share (tcp: tunnel/client-listener.ts, postgres:
// postgres/pg-listener.ts): listen or fail at start, and stop by refusing new sockets, dropping
// those still logging in, and waiting at most `graceMs` for the rest.
import { once } from 'node:events';
import type net from 'node:net';

/** Binds `server`; rejects with the bind error (a port in use stops the start). */
export async function listen(server: net.Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
}

/** The bound port (0 when not listening). */
export function boundPort(server: net.Server | undefined): number {
  const address = server?.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Stops taking sockets and destroys `pending` ones; settles when all are gone or after `graceMs`. */
export function closeServer(server: net.Server, pending: Iterable<net.Socket>, graceMs: number): Promise<void> {
  for (const socket of pending) socket.destroy();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
