// One HTTP request to the gateway's HTTP port with Node's client, its answer read whole: for the
// e2e suites of HTTP connections.
import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with Node's client; `agent` keeps the connection (and so the session). */
export function call(url: string, options: { token?: string; method?: string; body?: string | Buffer; agent?: http.Agent; headers?: Record<string, string> } = {}): Promise<Answer> {
  // Not `new URL`: it would resolve the dot segments the tests send on purpose.
  const [, host, port, path] = /^http:\/\/([^:/]+):(\d+)(\/.*)$/.exec(url) ?? [];
  return new Promise((resolve, reject) => {
    const req = http.request({
      host,
      port: Number(port),
      path,
      method: options.method ?? 'GET',
      agent: options.agent ?? false,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
