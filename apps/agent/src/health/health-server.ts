// Kubernetes probes: /healthz = the process answers (liveness), /readyz = at least one tunnel is
// ready to carry sessions (readiness). The body lists tunnel states, never settings or secrets.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TunnelSnapshot } from '../agent.js';

export interface HealthSource {
  ready(): boolean;
  snapshot(): TunnelSnapshot[];
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(source: HealthSource, host: string, port: number): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'method_not_allowed' });
    if (path === '/healthz') return reply(200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = source.ready();
      return reply(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', tunnels: source.snapshot() });
    }
    return reply(404, { error: 'not_found' });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
