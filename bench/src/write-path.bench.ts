// Where the auto-approved write path spends the gateway's CPU, in process and one call at a
// time: the whole `AccessRequestService.create`, and each of its parts on its own through the
// same Nest application context (authentication, policy fingerprint, connection lookup, the
// transaction that appends one request's three audit events, the BullMQ job), plus the detail
// read (`findDetail`) that the write no longer does, for comparison. Sequential calls and CPU
// time per call: under load the gateway is CPU-bound, so CPU per call is what decides its
// throughput, and the parts say which change buys what.
//
// Statement counts are constants read from the gateway's code (apps/gateway/src, as of the
// one-statement authentication, the joined findInForce and the before-commit audit append);
// measuring them would need pg_stat_statements in shared_preload_libraries (a server restart)
// or the server log, which the bench does not assume. Keep them in step with the code.
import {
  AccessRequestRepository,
  AccessRequestService,
  AuditRepository,
  AuditService,
  SYSTEM_ACTOR,
  AuthenticatorService,
  ConnectionRepository,
  PrismaService,
  QueueService,
  PolicyService,
} from '@jitgate/gateway/in-process';
import { randomUUID } from 'node:crypto';
import { startInProcessGateway } from './in-process-gateway.js';
import type { BenchWorld } from './setup.js';
import { ms, perSecond, ratio, summarise, table, type LatencySummary } from './stats.js';

export interface WritePathOptions {
  calls: number;
  warmupCalls: number;
  log: (line: string) => void;
}

export interface WritePathRow {
  key: string;
  label: string;
  /** Database statements one call sends (read from the gateway's code; see the note at the top). */
  statements: string;
  summary: LatencySummary;
  /** CPU of this process (the app) per call, user + system. */
  cpuMsPerCall: number;
}

interface Part {
  key: string;
  label: string;
  statements: string;
  call: (i: number) => Promise<unknown>;
}

async function measure(part: Part, calls: number, offset: number): Promise<{ summary: LatencySummary; cpuMsPerCall: number }> {
  const samples = new Float64Array(calls);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await part.call(offset + i);
    samples[i] = performance.now() - t0;
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { summary: summarise(samples, wallMs), cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls };
}

export async function runWritePathBench(world: BenchWorld, options: WritePathOptions): Promise<WritePathRow[]> {
  const app = await startInProcessGateway(world);
  try {
    const prisma = app.get(PrismaService);
    const authenticator = app.get(AuthenticatorService);
    const policies = app.get(PolicyService);
    const connections = app.get(ConnectionRepository);
    const audit = app.get(AuditService);
    const auditRows = app.get(AuditRepository);
    const queue = app.get(QueueService);
    const requests = app.get(AccessRequestRepository);
    const service = app.get(AccessRequestService);

    const ids = world.identities;
    const principals = await Promise.all(ids.map((identity) => authenticator.authenticate(identity.token)));
    // Request k: identity k mod N, connection (k div N) mod M, as in the REST bench.
    const pairOf = (k: number) => ({ principal: principals[k % ids.length]!, token: ids[k % ids.length]!.token, connection: world.connections[Math.floor(k / ids.length) % world.connections.length]! });
    const requestIds: string[] = [];

    const parts: Part[] = [
      { key: 'select-1', label: 'floor: `SELECT 1` via Prisma', statements: '1', call: () => prisma.client.$queryRaw`SELECT 1` },
      { key: 'empty-tx', label: 'floor: empty `prisma.transaction`', statements: '2 (BEGIN, COMMIT)', call: () => prisma.transaction(async () => undefined) },
      {
        key: 'authenticate',
        label: '`AuthenticatorService.authenticate` (every authenticated request)',
        statements: '1 (token ⋈ identity); + 1 `last_used_at` UPDATE at most once a minute per token',
        call: (i) => authenticator.authenticate(pairOf(i).token),
      },
      { key: 'policies', label: '`PolicyService.compiled` (fingerprint cached for 1 s)', statements: '≤ 1 per second', call: () => policies.compiled() },
      { key: 'connection', label: '`ConnectionRepository.findByName`', statements: '1', call: (i) => connections.findByName(pairOf(i).connection) },
      {
        key: 'audit-3',
        label: 'transaction with 3 `AuditService.record` (what one request chains; appended before COMMIT)',
        statements: '5 (BEGIN, chain lock, head, one INSERT of 3 rows, COMMIT)',
        call: () =>
          prisma.transaction(async (tx) => {
            for (let e = 0; e < 3; e++) await audit.record(tx, { actor: SYSTEM_ACTOR, action: 'grant.created', targetType: 'grant', targetId: randomUUID(), details: { bench: true } });
          }),
      },
      {
        key: 'audit-lock',
        label: '…of which: a transaction that only takes the chain lock and reads the head',
        statements: '4 (BEGIN, chain lock, head, COMMIT)',
        call: () => prisma.transaction((tx) => auditRows.lockChainHead(tx)),
      },
      {
        key: 'enqueue',
        label: '`QueueService.enqueue` (the grant-expiry job)',
        statements: '0 (one Redis script)',
        call: () => queue.enqueue('grant.expire', { grantId: randomUUID() }, { runAt: new Date(Date.now() + 3_600_000), jobId: `bench-${randomUUID()}` }),
      },
      {
        key: 'find-detail',
        label: '`AccessRequestRepository.findDetail`: not on the write path any more (`GET /v1/access-requests/:id`)',
        statements: '5 (request, then one per relation)',
        call: (i) => requests.findDetail(requestIds[i % requestIds.length]!),
      },
      {
        key: 'create',
        label: '**`AccessRequestService.create`, auto-approved (the whole write path, no HTTP)**',
        statements: '9 (connection, BEGIN, requester lock, request INSERT, grant INSERT, chain lock, head, audit INSERT, COMMIT); + fingerprint ≤ 1/s',
        call: async (i) => {
          const { principal, connection } = pairOf(i);
          const created = await service.create(principal, { connection, duration: '1h', reason: 'bench: write path breakdown' });
          if (created.status !== 'approved') throw new Error(`the request was ${created.status}, not auto-approved`);
          requestIds.push(created.id);
        },
      },
    ];

    // The create part runs first in the warm-up, so findDetail has requests to read.
    const ordered = [parts.find((p) => p.key === 'create')!, ...parts.filter((p) => p.key !== 'create')];
    for (const part of ordered) await measure(part, options.warmupCalls, 0);

    const rows: WritePathRow[] = [];
    for (const part of parts) {
      const { summary, cpuMsPerCall } = await measure(part, options.calls, options.warmupCalls);
      rows.push({ key: part.key, label: part.label, statements: part.statements, summary, cpuMsPerCall });
      options.log(`write path ${part.key}: p50 ${ms(summary.p50Ms)}, CPU ${ms(cpuMsPerCall)}/call`);
    }
    return rows;
  } finally {
    await app.close();
  }
}

/** Rows that are not a share of `create`: the floors, the whole, and the read the write no longer does. */
const NOT_PARTS = new Set(['select-1', 'empty-tx', 'create', 'find-detail', 'audit-lock']);

export function renderWritePath(rows: WritePathRow[]): string {
  const whole = rows.find((r) => r.key === 'create');
  const floor = rows.find((r) => r.key === 'select-1');
  return table(
    ['part', 'statements', 'p50', 'calls/s (1 in flight)', 'app CPU per call', 'CPU ÷ `SELECT 1`', 'CPU share of `create`'],
    rows.map((r) => [
      r.label,
      r.statements,
      ms(r.summary.p50Ms),
      perSecond(r.summary.perSecond),
      ms(r.cpuMsPerCall),
      floor ? ratio(r.cpuMsPerCall, floor.cpuMsPerCall) : 'n/a',
      whole && !NOT_PARTS.has(r.key) ? `${Math.round((r.cpuMsPerCall / whole.cpuMsPerCall) * 100)}%` : '',
    ]),
  );
}
