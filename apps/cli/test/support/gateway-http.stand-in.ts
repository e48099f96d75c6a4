// A stand-in for the gateway's HTTP port (docs/http.md): `/c/<connection>/<path>` with
// `Authorization: Bearer <jitgate token>`, refusals as JSON with `x-jitgate-error`. Behind the
// prefix, a few routes a test can observe: `/echo` (what arrived), `/upload` (counts and hashes a
// streamed body), `/stream` (chunks released by the test), `/no-grant` (403 no_grant).
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SeenHttpRequest {
  method: string;
  /** The full path as the gateway received it, prefix included. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The local port of the CLI's connection to us: the same port twice means a kept-alive connection. */
  clientPort: number | undefined;
}

export class GatewayHttpStandIn {
  readonly seen: SeenHttpRequest[] = [];
  /** Bytes of the /upload body received so far. */
  uploaded = 0;
  private readonly server: http.Server;
  private releases: Array<() => void> = [];

  /** With `tls`, served over HTTPS (the gateway's JITGATE_HTTP_TLS_CERT/KEY). */
  constructor(private readonly options: { token: string; connections: readonly string[]; tls?: { key: string; cert: string } }) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Lets every /stream answer in progress send its next chunk. */
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, clientPort: req.socket.remotePort });
    const refuse = (status: number, code: string, message: string) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json', 'x-jitgate-error': code });
      res.end(JSON.stringify({ error: { code, message } }));
    };
    const match = /^\/c\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(req.url ?? '');
    if (!match || !this.options.connections.includes(match[1] as string)) return refuse(404, 'not_found', 'no HTTP connection of that name');
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return refuse(401, 'unauthenticated', 'the bearer token is not valid');
    const path = match[2] ?? '/';

    if (path === '/no-grant') return refuse(403, 'no_grant', 'no grant in force for this identity and connection');
    if (path === '/session') {
      // A resumable upload's session URI, in the gateway's terms (absolute and relative).
      const origin = `http://${req.headers.host ?? ''}`;
      res.writeHead(200, { location: req.url?.includes('relative') ? `/c/${match[1]}/upload?upload_id=1` : `${origin}/c/${match[1]}/upload?upload_id=1`, link: 'https://elsewhere.example/x' });
      res.end();
      return;
    }
    if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      await new Promise<void>((resolve) => this.releases.push(resolve));
      res.end('data: last\n\n');
      return;
    }
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of req) {
      hash.update(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (path === '/upload') this.uploaded = length;
    }
    const body = JSON.stringify({ method: req.method, path, query: match[3] ?? '', length, sha256: hash.digest('hex'), contentType: req.headers['content-type'] ?? null });
    res.writeHead(path === '/created' ? 201 : 200, { 'content-type': 'application/json', 'x-target-header': 'kept' });
    res.end(body);
  }
}
