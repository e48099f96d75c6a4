// The load generator of the REST and HTTP benches: autocannon instances, one per server, run at once.
import autocannon from 'autocannon';

/** What each client sends: a fixed request, or one built per request (`build`); a REST `Scenario` is one. */
export interface CannonRequest {
  method: 'GET' | 'POST';
  path: string;
  /** The status that counts as a success. */
  expect: number;
  /** Headers of a fixed request (a built one brings its own). */
  headers?: Record<string, string>;
  build?: (k: number) => { path?: string; headers: Record<string, string>; body?: string };
}

/** The connections of one run split over the replicas as evenly as they go (64 over 3: 22, 21, 21). */
export const splitConnections = (connections: number, replicas: number): number[] =>
  Array.from({ length: replicas }, (_, i) => Math.floor(connections / replicas) + (i < connections % replicas ? 1 : 0)).filter((n) => n > 0);

/**
 * One autocannon instance per server, all at once, the connections split between them; the
 * rotation counter is shared, so together they still walk every (identity, connection) pair.
 * Latencies of the responses with the expected status, from every instance.
 */
export async function cannon(baseUrls: string[], scenario: CannonRequest, connections: number, seconds: number) {
  const k = { next: 0 };
  const shares = splitConnections(connections, baseUrls.length);
  const runs = await Promise.all(shares.map((share, i) => cannonOne(baseUrls[i]!, scenario, share, seconds, k)));
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, n] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return {
    latencies: runs.flatMap((r) => r.latencies),
    statuses,
    // The instances run side by side: the run lasts as long as the slowest of them.
    wallMs: Math.max(...runs.map((r) => r.wallMs)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
  };
}

async function cannonOne(baseUrl: string, scenario: CannonRequest, connections: number, seconds: number, k: { next: number }) {
  const request: autocannon.Request = { method: scenario.method, path: scenario.path, ...(scenario.headers ? { headers: scenario.headers } : {}) };
  if (scenario.build) {
    const build = scenario.build;
    request.setupRequest = (req) => {
      const next = build(k.next++);
      return { ...req, ...(next.path ? { path: next.path } : {}), headers: next.headers, ...(next.body === undefined ? {} : { body: next.body }) };
    };
  }
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: baseUrl, connections, duration: seconds, timeout: 30, requests: [request] }, (error: unknown, res: autocannon.Result) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(res),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === scenario.expect) latencies.push(responseTime);
      else statuses[String(statusCode)] = (statuses[String(statusCode)] ?? 0) + 1;
    });
  });
  const wallMs = performance.now() - started;
  return { latencies, statuses, wallMs, errors: result.errors, timeouts: result.timeouts };
}
