// The leg between the gateway and the agent inside one HTTP session, in process, without the
// tunnel: what carrying one request and its answer costs the two ends. Two ways on the same kind
// of duplex pair, taken in turn round by round:
//   - http1 (the baseline; jitgate's design until 2026-11-23): Node's HTTP client with a
//     one-socket keep-alive agent writing HTTP/1.1 to Node's HTTP server, which parses it;
//   - frames (the design since): @jitgate/http-session's exchange client and server.
// The same request head for both (the headers the gateway sends for a Google API call) and a
// handler that answers a JSON body at once, as the agent's forwarder would once the target
// answered. One request in flight, as at one caller; CPU from process.cpuUsage().
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpExchangeClient, HttpExchangeServer } from '@jitgate/http-session';
import { duplexPair } from '@jitgate/tunnel';
import { percentile, ratio, table } from './stats.js';

export interface SessionLegOptions {
  /** Requests per variant, body and round. */
  requests: number;
  rounds: number;
  log: (line: string) => void;
}

export interface SessionLegRow {
  variant: 'http1' | 'frames';
  body: 'small' | 'large';
  /** Per round: µs of CPU and of wall time per request. */
  cpuUs: number[];
  wallUs: number[];
}

const HEADERS: http.OutgoingHttpHeaders = {
  accept: 'application/json',
  'accept-encoding': 'identity',
  'content-type': 'application/json',
  'user-agent': 'gcloud-node-bigquery/7.9.0',
  'x-goog-api-client': 'gl-node/20.20.2 gccl/7.9.0',
  'x-goog-request-params': 'project_id=acme-data',
};
const BODIES = {
  small: Buffer.from(JSON.stringify({ kind: 'bigquery#tableDataList', rows: [{ f: [{ v: 'ops@example.com' }, { v: '42' }] }], totalRows: '1', pageToken: 'x'.repeat(96) })),
  large: Buffer.alloc(64 * 1024, 'a'),
};

type Send = () => Promise<number>;

/** HTTP/1.1 over the pair: the gateway's former client and the agent's former server. */
function http1(body: Buffer): { send: Send; close: () => void } {
  const [clientEnd, serverEnd] = duplexPair();
  const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0, requireHostHeader: false }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.emit('connection', serverEnd);
  const agent = new (class extends http.Agent {
    override createConnection(): Duplex {
      return clientEnd;
    }
  })({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  const send: Send = () =>
    new Promise((resolve, reject) => {
      const req = http.request({ agent, method: 'GET', path: '/bigquery/v2/projects/acme-data/datasets/finance/tables/invoices/data', headers: HEADERS, host: 'jitgate-session.invalid' });
      req.on('response', (answer) => {
        let bytes = 0;
        answer.on('data', (chunk: Buffer) => (bytes += chunk.length));
        answer.on('end', () => resolve(bytes));
      });
      req.on('error', reject);
      req.end();
    });
  return { send, close: () => agent.destroy() };
}

/** The session's frames over the pair. */
function frames(body: Buffer): { send: Send; close: () => void } {
  const [clientEnd, serverEnd] = duplexPair();
  new HttpExchangeServer(serverEnd, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  const client = new HttpExchangeClient(clientEnd);
  const send: Send = () =>
    new Promise((resolve, reject) => {
      const exchange = client.request(
        { method: 'GET', target: '/bigquery/v2/projects/acme-data/datasets/finance/tables/invoices/data', headers: HEADERS, chunked: false },
        {
          response: (answer) => {
            let bytes = 0;
            answer.on('data', (chunk: Buffer) => (bytes += chunk.length));
            answer.on('end', () => resolve(bytes));
          },
          failed: reject,
        },
      );
      exchange.body.end();
    });
  return { send, close: () => client.destroy() };
}

async function measure(send: Send, requests: number, expectBytes: number): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const bytes = await send();
    if (bytes !== expectBytes) throw new Error(`an answer of ${bytes} bytes, not ${expectBytes}`);
  }
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / requests, wallUs: ((performance.now() - started) * 1000) / requests };
}

export async function runSessionLegBench(options: SessionLegOptions): Promise<SessionLegRow[]> {
  const rows: SessionLegRow[] = [];
  for (const body of ['small', 'large'] as const) {
    const bytes = BODIES[body];
    const requests = body === 'small' ? options.requests : Math.max(1, Math.round(options.requests / 4));
    const legs = { http1: http1(bytes), frames: frames(bytes) };
    const byVariant = { http1: { cpuUs: [] as number[], wallUs: [] as number[] }, frames: { cpuUs: [] as number[], wallUs: [] as number[] } };
    // Warm-up of both before the first round: JIT and pools, not measured.
    for (const leg of Object.values(legs)) await measure(leg.send, Math.ceil(requests / 4), bytes.length);
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of ['http1', 'frames'] as const) {
        const result = await measure(legs[variant].send, requests, bytes.length);
        byVariant[variant].cpuUs.push(result.cpuUs);
        byVariant[variant].wallUs.push(result.wallUs);
      }
      options.log(`session leg, ${body} body, round ${round + 1}: http1 ${byVariant.http1.cpuUs.at(-1)!.toFixed(1)} µs, frames ${byVariant.frames.cpuUs.at(-1)!.toFixed(1)} µs of CPU per request`);
    }
    for (const leg of Object.values(legs)) leg.close();
    for (const variant of ['http1', 'frames'] as const) rows.push({ variant, body, ...byVariant[variant] });
  }
  return rows;
}

const median = (values: number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

export function renderSessionLeg(rows: SessionLegRow[]): string {
  const baseline = (body: SessionLegRow['body']) => rows.find((r) => r.body === body && r.variant === 'http1');
  const lines = rows.map((row) => {
    const base = baseline(row.body);
    const cpu = median(row.cpuUs);
    return [
      row.body === 'small' ? `${BODIES.small.length} B` : '64 KiB',
      row.variant === 'http1' ? 'HTTP/1.1 client → server over the pair (**baseline**, the former design)' : '**frames** (`@jitgate/http-session`)',
      `${cpu.toFixed(1)} µs`,
      row.cpuUs.map((v) => v.toFixed(0)).join(' / '),
      `${median(row.wallUs).toFixed(1)} µs`,
      base && row !== base ? ratio(cpu, median(base.cpuUs)) : '',
    ];
  });
  return table(['answer', 'variant', 'CPU per request (median of rounds)', 'each round (µs)', 'wall per request', 'CPU ÷ baseline'], lines);
}
