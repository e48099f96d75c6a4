// A data path for HTTP connections, as real processes (http/http.*.test.ts): the
// DataPathStack (gateway, agent) plus, in this process, the only allowed stand-ins — Google's
// OAuth token endpoint, IAM Credentials (gRPC, from the shipped protos), BigQuery and Cloud
// Storage, which accept only the tokens the IAM stand-in minted — and real targets: an MCP
// server built with the official SDK and a plain HTTP server that can stream slowly.
// The agent's own identity is a key file (ADC); it mints tokens for the connections' accounts.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { AddressInfo } from 'node:net';
import { startBigQueryStandin, startGoogleStandins, startStorageStandin, type BigQueryStandin, type BigQueryTable, type GoogleStandins, type StorageStandin } from '@jitgate/gcp-standins';
import { createConnection, eventually } from '@jitgate/testkit';
import { CLI_MAIN } from './built-mains.js';
import { AGENT_GROUP, DataPathStack } from './data-path-stack.js';
import { spawnNode, type ChildRun } from './node-process.js';
import { startMcpTarget, type McpTarget } from './mcp-target.js';

export const AGENT_SA = 'jitgate-agent@acme-ops.iam.gserviceaccount.com';
export const BQ_SA = 'bq-reader@acme-data.iam.gserviceaccount.com';
export const GCS_SA = 'files-rw@acme-data.iam.gserviceaccount.com';
/** The account whose ID tokens reach the `reports` Cloud Run service. */
export const RUN_SA = 'reports-invoker@acme-data.iam.gserviceaccount.com';
/** The narrower account a policy maps AI models to (a `gcp` guardrail). */
export const BQ_AI_SA = 'bq-ai-narrow@acme-data.iam.gserviceaccount.com';
export const PROJECT = 'acme-data';
export const BUCKET = 'acme-reports';

export const TABLES: Record<string, BigQueryTable> = {
  'finance.invoices': {
    schema: [
      { name: 'id', type: 'INTEGER' },
      { name: 'customer_email', type: 'STRING' },
      { name: 'note', type: 'STRING' },
      { name: 'amount', type: 'FLOAT' },
    ],
    rows: [
      { id: 1, customer_email: 'ann@example.com', note: 'paid by card 4111 1111 1111 1111', amount: 120.5 },
      { id: 2, customer_email: 'bob@example.com', note: 'net 30', amount: 80 },
    ],
  },
  'hr.salaries': {
    schema: [
      { name: 'name', type: 'STRING' },
      { name: 'salary', type: 'INTEGER' },
    ],
    rows: [{ name: 'ann', salary: 100 }],
  },
};

/**
 * A plain HTTP target: /stream dribbles `count` text chunks, `everyMs` apart; /events the same as
 * server-sent events carrying e-mail addresses; /empty answers 204; /reply answers what the query
 * asks for (below); everything else echoes what it got as JSON.
 */
export interface PlainTarget {
  url: string;
  seen: Array<{ method: string; url: string; authorization: string | undefined; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function startPlainTarget(): Promise<PlainTarget> {
  const seen: PlainTarget['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/reply') return reply(req, res, url.searchParams);
    if (url.pathname === '/events') {
      const count = Number(url.searchParams.get('count') ?? 5);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let i = 0;
      const timer = setInterval(
        () => {
          i += 1;
          res.write(`id: ${i}\ndata: {"step":${i},"owner":"ops${i}@example.com"}\n\n`);
          if (i >= count) {
            clearInterval(timer);
            res.end();
          }
        },
        Number(url.searchParams.get('everyMs') ?? 200),
      );
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (url.pathname === '/stream') {
      const count = Number(url.searchParams.get('count') ?? 10);
      const everyMs = Number(url.searchParams.get('everyMs') ?? 100);
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const timer = setInterval(() => {
        i += 1;
        res.write(`chunk ${i}\n`);
        if (i >= count) {
          clearInterval(timer);
          res.end();
        }
      }, everyMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (url.pathname === '/empty') {
      req.resume();
      res.writeHead(204).end();
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, bytes: Buffer.concat(parts).length, contact: 'support@example.com' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * /reply, a target that answers as a hostile or careless one could: each `b64` a part of the
 * body (base64url), written 100 ms apart; `pad` that many "x" before it; `type` its
 * Content-Type, `encoding` a Content-Encoding (`gzip` really gzips the body; anything else is
 * only a label), `status` the status; `ranges=1` honours a `Range: bytes=N-` with a 206.
 */
function reply(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): void {
  req.resume();
  const given = q.getAll('b64').map((b) => Buffer.from(b, 'base64url'));
  const pad = Buffer.alloc(Number(q.get('pad') ?? 0), 'x');
  let chunks: Buffer[] = [Buffer.concat([pad, given[0] ?? Buffer.alloc(0)]), ...given.slice(1)];
  const body = Buffer.concat(chunks);
  let status = Number(q.get('status') ?? 200);
  const headers: http.OutgoingHttpHeaders = { 'content-type': q.get('type') ?? 'text/plain' };
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (q.get('ranges') === '1' && range) {
    const start = Number(range[1]);
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    chunks = [body.subarray(start)];
    status = 206;
  }
  const encoding = q.get('encoding');
  if (encoding) {
    headers['content-encoding'] = encoding;
    if (encoding === 'gzip') chunks = [gzipSync(Buffer.concat(chunks))];
  }
  res.writeHead(status, headers);
  const next = (i: number) => {
    if (i === chunks.length - 1) return void res.end(chunks[i]);
    res.write(chunks[i]);
    setTimeout(() => next(i + 1), 100);
  };
  next(0);
}

/** The /reply URL of the plain target, relative to a connection's root; an array is written in parts. */
export function replyPath(body: string | Buffer | Array<string | Buffer>, options: { type?: string; encoding?: string; status?: number; ranges?: boolean; pad?: number } = {}): string {
  const q = new URLSearchParams();
  for (const part of Array.isArray(body) ? body : [body]) q.append('b64', Buffer.from(part).toString('base64url'));
  if (options.pad !== undefined) q.set('pad', String(options.pad));
  if (options.type !== undefined) q.set('type', options.type);
  if (options.encoding !== undefined) q.set('encoding', options.encoding);
  if (options.status !== undefined) q.set('status', String(options.status));
  if (options.ranges) q.set('ranges', '1');
  return `/reply?${q.toString()}`;
}

export interface HttpStackOptions {
  guardrails?: unknown[];
  gatewayEnv?: Record<string, string>;
  /** The MCP server answers in JSON instead of SSE. */
  mcpJson?: boolean;
}

export class HttpStack {
  private constructor(
    readonly stack: DataPathStack,
    readonly google: GoogleStandins,
    readonly bigquery: BigQueryStandin,
    readonly storage: StorageStandin,
    readonly mcp: McpTarget,
    readonly plain: PlainTarget,
  ) {}

  static async start(suite: string, options: HttpStackOptions = {}): Promise<HttpStack> {
    const google = await startGoogleStandins({
      agentEmail: AGENT_SA,
      tokenCreators: [
        { member: AGENT_SA, serviceAccount: BQ_SA },
        { member: AGENT_SA, serviceAccount: GCS_SA },
        { member: AGENT_SA, serviceAccount: BQ_AI_SA },
        { member: AGENT_SA, serviceAccount: RUN_SA },
      ],
      allowedScopes: ['https://www.googleapis.com/auth/bigquery', 'https://www.googleapis.com/auth/devstorage.read_write', 'https://www.googleapis.com/auth/cloud-platform'],
    });
    const bigquery = await startBigQueryStandin({ iam: google.iam, projectId: PROJECT, tables: TABLES, members: [BQ_SA, BQ_AI_SA] });
    const storage = await startStorageStandin({ iam: google.iam, buckets: { [BUCKET]: { members: [GCS_SA], objects: { 'q3/summary.csv': 'name,email\nann,ann@example.com\n' } } } });
    const mcp = await startMcpTarget({ json: options.mcpJson });
    const plain = await startPlainTarget();
    // tools-hostile: an MCP connection to the plain target's /reply, a server that answers anything.
    const names = ['analytics', 'files', 'tools', 'tools-hostile', 'web', 'web-raw', 'reports'];
    const stack = await DataPathStack.start(suite, {
      gatewayEnv: options.gatewayEnv,
      agentOptions: {
        connections: names,
        env: {
          GOOGLE_APPLICATION_CREDENTIALS: google.keyFile,
          JITGATE_AGENT_GOOGLE_TOKEN_URL: google.oauth.tokenUri,
          JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: `${google.iam.host}:${google.iam.port}`,
          JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: 'true',
          JITGATE_AGENT_BIGQUERY_ENDPOINT: bigquery.url,
          JITGATE_AGENT_STORAGE_ENDPOINT: storage.url,
        },
      },
      beforeAgent: async (s) => {
        const admin = s.admin();
        await createConnection(admin, 'analytics', { type: 'bigquery', agentGroup: AGENT_GROUP, settings: { projectId: PROJECT, targetServiceAccount: BQ_SA }, credentialRef: `gcp-sa:${BQ_SA}` });
        await createConnection(admin, 'reports', { type: 'cloudrun', agentGroup: AGENT_GROUP, settings: { url: plain.url, targetServiceAccount: RUN_SA }, credentialRef: `gcp-sa:${RUN_SA}` });
        await createConnection(admin, 'files', { type: 'gcs', agentGroup: AGENT_GROUP, settings: { projectId: PROJECT, buckets: [BUCKET], targetServiceAccount: GCS_SA }, credentialRef: `gcp-sa:${GCS_SA}` });
        // No credentialRef: these targets take no credential from the agent.
        for (const [name, type, settings] of [
          ['tools', 'mcp', { url: mcp.url }],
          ['tools-hostile', 'mcp', { url: plain.url }],
          ['web', 'http', { baseUrl: plain.url }],
          ['web-raw', 'http', { baseUrl: plain.url }],
        ] as const) {
          const created = await admin.post('/v1/connections', { name, type, agentGroup: AGENT_GROUP, settings });
          if (created.status !== 201) throw new Error(`connection ${name}: ${created.status} ${JSON.stringify(created.body)}`);
        }
        const created = await admin.post('/v1/policies', {
          name: 'http-e2e',
          rules: [{ name: 'auto', effect: 'auto-approve', match: { connection: { names } }, maxDuration: '24h' }],
          guardrails: options.guardrails ?? [],
        });
        if (created.status !== 201) throw new Error(`policy: ${created.status} ${JSON.stringify(created.body)}`);
      },
    }).catch(async (error: unknown) => {
      await Promise.all([google.close(), bigquery.close(), storage.close(), mcp.close(), plain.close()]);
      throw error;
    });
    return new HttpStack(stack, google, bigquery, storage, mcp, plain);
  }

  /** The gateway's HTTP proxy origin. */
  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.stack.gateway.httpPort}`;
  }

  /** The URL of a connection at the gateway: /c/<connection>. */
  connectionUrl(connection: string): string {
    return `${this.gatewayUrl}/c/${connection}`;
  }

  get token(): string {
    return this.stack.alice.token;
  }

  /** `jitgate connect <connection>` in HTTP mode: the local URL it serves, for the official clients. */
  async connectHttp(connection: string, token = this.token): Promise<{ url: string; run: ChildRun }> {
    const run = spawnNode(`jitgate connect ${connection}`, CLI_MAIN, ['connect', connection, '--port', '0', '--http-proxy', this.gatewayUrl], {
      JITGATE_URL: this.stack.gateway.baseUrl,
      JITGATE_TOKEN: token,
    });
    this.stack.clis.push(run);
    const match = await run.waitForOutput(/Serving \S+ \(\w+\) at (http:\/\/127\.0\.0\.1:\d+)/);
    return { url: match[1] as string, run };
  }

  async events(sessionId: string): Promise<Array<Record<string, any>>> {
    const res = await this.stack.admin().get(`/v1/sessions/${sessionId}/events?limit=1000`);
    if (res.status !== 200) throw new Error(`events: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items as Array<Record<string, any>>;
  }

  /** Every recorded event of every session on `connection`, oldest session first. */
  async allEvents(connection: string): Promise<Array<Record<string, any>>> {
    const out: Array<Record<string, any>> = [];
    for (const session of (await this.sessions(connection)).reverse()) out.push(...(await this.events(session.id)));
    return out;
  }

  /** Waits until some recorded event on `connection` satisfies `probe`. */
  eventWhere(connection: string, probe: (event: Record<string, any>) => boolean): Promise<Record<string, any>> {
    return eventually(async () => (await this.allEvents(connection)).find(probe));
  }

  async sessions(connection: string): Promise<Array<Record<string, any>>> {
    const res = await this.stack.admin().get(`/v1/sessions?connection=${connection}&view=all`);
    if (res.status !== 200) throw new Error(`sessions: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items as Array<Record<string, any>>;
  }

  async dispose(): Promise<void> {
    await this.stack.dispose();
    await Promise.all([this.google.close(), this.bigquery.close(), this.storage.close(), this.mcp.close(), this.plain.close()]);
  }
}

/** Revokes alice's grants on `connection`, whichever of them admitted a session. */
export async function revokeAll(hs: HttpStack, connection: string): Promise<void> {
  const grants = await hs.stack.alice.api.get('/v1/grants?status=active');
  const mine = (grants.body.items as Array<{ id: string; connection: string }>).filter((g) => g.connection === connection);
  expect(mine.length).toBeGreaterThan(0);
  for (const grant of mine) expect((await hs.stack.admin().post(`/v1/grants/${grant.id}/revoke`, { reason: 'incident' })).status).toBe(200);
}
