// A stand-in for the gateway's REST API: the few endpoints the CLI calls, with answers in the
// gateway's shapes (what its presenters write, more than the CLI reads) and its error body. What
// the CLI sends is checked with the gateway's own schema (@jitgate/contracts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessRequestBody } from '@jitgate/contracts';

export interface CheckAnswer {
  allowed: boolean;
  expiresAt: string | null;
}

export interface RequestScript {
  /** Status on creation. */
  initial: 'approved' | 'pending' | 'denied';
  /** With `pending`: the status after this many polls. */
  after?: { polls: number; status: 'approved' | 'denied' | 'expired' };
}

export interface RestState {
  token: string;
  /** Answers of GET /v1/grants/check, per connection; each call takes the next one (the last repeats). */
  checks: Record<string, CheckAnswer[]>;
  request: RequestScript;
  grants: Array<{ connection: string; scope: string | null; expiresAt: string }>;
  /** Connection types by name (GET /v1/connections?name=); by default names ending in -pg are postgres, others tcp. */
  types?: Record<string, string>;
  /** Answer every call with this status and error code instead. */
  failWith?: { status: number; code: string; message: string };
}

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

export class RestStandIn {
  readonly seen: SeenRequest[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private polls = 0;
  private lastRequest: Record<string, unknown> | undefined;

  constructor(readonly state: RestState) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, code: string, message: string) => send(status, { error: { code, message, requestId: 'req-1' } });

    if (req.headers.authorization !== `Bearer ${this.state.token}`) return fail(401, 'unauthenticated', 'the bearer token is not valid');
    if (this.state.failWith) return fail(this.state.failWith.status, this.state.failWith.code, this.state.failWith.message);
    const url = new URL(req.url ?? '/', 'http://stand-in');

    if (req.method === 'GET' && url.pathname === '/v1/identities/me') {
      return send(200, {
        id: '0b0e7b1e-0000-4000-8000-000000000001',
        issuer: 'jitgate',
        subject: 'report-agent',
        kind: 'service',
        displayName: null,
        groups: ['analysts'],
        attributes: { model: 'claude' },
        disabled: false,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/grants/check') {
      const answers = this.state.checks[url.searchParams.get('connection') ?? ''] ?? [{ allowed: false, expiresAt: null }];
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) as CheckAnswer;
      return send(200, { allowed: answer.allowed, grantId: answer.allowed ? 'g-1' : null, scope: null, expiresAt: answer.expiresAt });
    }
    if (req.method === 'GET' && url.pathname === '/v1/connections') {
      const name = url.searchParams.get('name') ?? '';
      return send(200, { items: [{ id: 'c-1', name, type: typeOf(name, this.state.types), agentGroup: 'default', labels: {}, settings: {}, credentialRef: null, description: null, archived: false }] });
    }
    if (req.method === 'GET' && url.pathname === '/v1/grants') {
      return send(200, {
        items: this.state.grants.map((g, i) => ({
          id: `grant-${i + 1}`,
          connection: g.connection,
          connectionType: 'tcp',
          scope: g.scope,
          status: 'active',
          inForce: true,
          startsAt: '2026-01-01T00:00:00.000Z',
          expiresAt: g.expiresAt,
        })),
      });
    }
    if (req.method === 'POST' && url.pathname === '/v1/access-requests') {
      const parsed = createAccessRequestBody.safeParse(body);
      if (!parsed.success) return fail(400, 'validation_failed', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const input = parsed.data;
      this.polls = 0;
      this.lastRequest = accessRequest(input.connection, typeOf(input.connection, this.state.types), input.scope ?? null, this.state.request.initial);
      return send(201, this.lastRequest);
    }
    const byId = /^\/v1\/access-requests\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && byId && this.lastRequest && byId[1] === this.lastRequest.id) {
      this.polls += 1;
      const after = this.state.request.after;
      if (after && this.polls >= after.polls) {
        const connection = (this.lastRequest.connection as { name: string }).name;
        this.lastRequest = accessRequest(connection, typeOf(connection, this.state.types), null, after.status);
      }
      return send(200, this.lastRequest);
    }
    return fail(404, 'not_found', `no route ${req.method} ${url.pathname}`);
  }
}

function typeOf(connection: string, types: Record<string, string> | undefined): string {
  return types?.[connection] ?? (connection.endsWith('-pg') ? 'postgres' : 'tcp');
}

function accessRequest(connection: string, type: string, scope: string | null, status: 'approved' | 'pending' | 'denied' | 'expired'): Record<string, unknown> {
  const now = Date.now();
  const approved = status === 'approved';
  return {
    id: '5f0c1d2e-0000-4000-8000-00000000000a',
    status,
    requester: { id: 'me', subject: 'report-agent', kind: 'service', displayName: null },
    // Connections named *-pg are postgres ones (the CLI prints a psql line for them).
    connection: { id: 'c-1', name: connection, type },
    durationSeconds: 1800,
    reason: 'monthly report',
    scope,
    startAt: null,
    decision:
      status === 'denied'
        ? { effect: 'deny', rule: { policy: 'prod-databases', rule: 'no-bots' }, code: 'denied_by_rule', reason: 'bots may not use prod' }
        : { effect: 'require-approval', rule: { policy: 'prod-databases', rule: 'dba-approves' }, approvals: { count: 1, groups: ['dba'] } },
    requiredApprovals: 1,
    approverGroups: ['dba'],
    approvals: approved ? [{ approverId: 'a-1', approver: 'bob', decision: 'approve', comment: '', at: new Date(now).toISOString() }] : [],
    expiresAt: new Date(now + 3_600_000).toISOString(),
    decidedAt: status === 'pending' ? null : new Date(now).toISOString(),
    createdAt: new Date(now).toISOString(),
    grant: approved ? { id: '7a7a7a7a-0000-4000-8000-00000000000b', status: 'active', startsAt: new Date(now).toISOString(), expiresAt: new Date(now + 1_800_000).toISOString() } : null,
  };
}
