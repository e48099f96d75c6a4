// The grant check in process, as the data path will call it: GrantService.check (and the
// repository query under it) through a real Nest application context on the bench database.
// Beside it, in the same run and interleaved round by round, the floors it is compared with:
//   - `SELECT 1` through the same Prisma client: one round trip through Prisma, no table;
//   - a primary-key select of a grant through node-postgres: one round trip, no ORM;
//   - the grant check's own SQL through node-postgres: the same index work, no ORM.
// And one candidate, not a baseline: that same SQL as one `$queryRawUnsafe` through Prisma.
// (@nestjs/common loads reflect-metadata before the gateway's decorated classes are read.)
import { GrantRepository, GrantService, PrismaService } from '@jitgate/gateway/in-process';
import pg from 'pg';
import { startInProcessGateway } from './in-process-gateway.js';
import type { BenchWorld } from './setup.js';
import { ms, perSecond, ratio, summarise, table, type LatencySummary } from './stats.js';

export interface GrantCheckOptions {
  /** Calls per variant and concurrency, split over the rounds. */
  calls: number;
  rounds: number;
  concurrencies: number[];
  warmupCalls: number;
  log: (line: string) => void;
}

export interface GrantCheckRow {
  variant: string;
  concurrency: number;
  summary: LatencySummary;
}

export interface GrantCheckResult {
  rows: GrantCheckRow[];
  variants: Array<{ key: string; label: string; baseline: boolean }>;
}

type Call = (i: number) => Promise<unknown>;

interface Variant {
  key: string;
  label: string;
  baseline: boolean;
  call: Call;
}

/**
 * The grant check's SQL written by hand: what findInForce asks for, minus the ORM. It reads the
 * same rows through the same (identity_id, connection_id, status, expires_at) index.
 */
const CHECK_SQL = `
  SELECT g.*, c.name AS connection_name, c.type AS connection_type, i.subject AS identity_subject, i.kind AS identity_kind
  FROM grants g
  JOIN connections c ON c.id = g.connection_id
  JOIN identities i ON i.id = g.identity_id
  WHERE g.identity_id = $1 AND c.name = $2 AND c.archived_at IS NULL
    AND g.status = 'active' AND g.starts_at <= $3 AND g.expires_at > $3
  ORDER BY g.expires_at DESC
  LIMIT 1`;

/** `calls` calls of `call` over `concurrency` lanes; per-call latency in ms and the wall time. */
async function drive(call: Call, calls: number, concurrency: number, offset: number): Promise<{ samples: Float64Array; wallMs: number }> {
  const samples = new Float64Array(calls);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= calls) return;
        const t0 = performance.now();
        await call(offset + index);
        samples[index] = performance.now() - t0;
      }
    }),
  );
  return { samples, wallMs: performance.now() - started };
}

export async function runGrantCheckBench(world: BenchWorld, options: GrantCheckOptions): Promise<GrantCheckResult> {
  const app = await startInProcessGateway(world);
  const pool = new pg.Pool({ connectionString: world.databaseUrl, max: world.poolSize });
  try {
    const service = app.get(GrantService);
    const repository = app.get(GrantRepository);
    const prisma = app.get(PrismaService);
    const pairs = world.identities.flatMap((identity) => world.connections.map((connection) => ({ identityId: identity.id, connection })));
    const grantIds = (await pool.query<{ id: string }>('SELECT id FROM grants ORDER BY id LIMIT 5000')).rows.map((r) => r.id);
    const pair = (i: number) => pairs[i % pairs.length] as { identityId: string; connection: string };

    const variants: Variant[] = [
      { key: 'prisma-select-1', label: '`SELECT 1` via the Prisma client', baseline: true, call: () => prisma.client.$queryRaw`SELECT 1` },
      {
        key: 'pg-pk-select',
        label: 'node-postgres: grant by primary key',
        baseline: true,
        call: (i) => pool.query('SELECT * FROM grants WHERE id = $1', [grantIds[i % grantIds.length]]),
      },
      {
        key: 'pg-check-sql',
        label: "node-postgres: the check's SQL by hand",
        baseline: true,
        call: async (i) => {
          const { identityId, connection } = pair(i);
          const result = await pool.query(CHECK_SQL, [identityId, connection, new Date()]);
          if (result.rowCount !== 1) throw new Error(`no grant in force for ${identityId} on ${connection}`);
        },
      },
      {
        // Not a baseline: what findInForce would cost written as one raw query (see README, "what would fix it").
        key: 'prisma-raw-check-sql',
        label: "candidate: the check's SQL via Prisma `$queryRawUnsafe`",
        baseline: false,
        call: async (i) => {
          const { identityId, connection } = pair(i);
          const rows = await prisma.client.$queryRawUnsafe<unknown[]>(CHECK_SQL, identityId, connection, new Date());
          if (rows.length !== 1) throw new Error(`no grant in force for ${identityId} on ${connection}`);
        },
      },
      {
        key: 'find-in-force',
        label: '`GrantRepository.findInForce`',
        baseline: false,
        call: (i) => {
          const { identityId, connection } = pair(i);
          return repository.findInForce(identityId, connection, new Date());
        },
      },
      {
        key: 'grant-service-check',
        label: '`GrantService.check`',
        baseline: false,
        call: async (i) => {
          const { identityId, connection } = pair(i);
          const result = await service.check(identityId, connection);
          if (!result.allowed) throw new Error(`the check of ${identityId} on ${connection} was denied: the seed is wrong`);
        },
      },
    ];

    // Warm up every path (JIT, pools, Prisma's query cache) before anything is measured.
    for (const variant of variants) await drive(variant.call, options.warmupCalls, 8, 0);

    const rows: GrantCheckRow[] = [];
    const perRound = Math.max(1, Math.floor(options.calls / options.rounds));
    for (const concurrency of options.concurrencies) {
      const samples = new Map<string, Float64Array[]>();
      const wall = new Map<string, number>();
      // Round-robin over the variants, so drift on a shared machine hits them all alike.
      for (let round = 0; round < options.rounds; round++) {
        for (const variant of variants) {
          const run = await drive(variant.call, perRound, concurrency, round * perRound);
          samples.set(variant.key, [...(samples.get(variant.key) ?? []), run.samples]);
          wall.set(variant.key, (wall.get(variant.key) ?? 0) + run.wallMs);
        }
      }
      for (const variant of variants) {
        const all = Float64Array.from((samples.get(variant.key) ?? []).flatMap((s) => [...s]));
        const summary = summarise(all, wall.get(variant.key) ?? 0);
        rows.push({ variant: variant.key, concurrency, summary });
        options.log(`grant check c=${concurrency} ${variant.key}: p50 ${ms(summary.p50Ms)}, p99 ${ms(summary.p99Ms)}, ${perSecond(summary.perSecond)}/s`);
      }
    }
    return { rows, variants: variants.map(({ key, label, baseline }) => ({ key, label, baseline })) };
  } finally {
    await pool.end();
    await app.close();
  }
}

export function renderGrantCheck(result: GrantCheckResult): string {
  const sections: string[] = [];
  const concurrencies = [...new Set(result.rows.map((r) => r.concurrency))];
  for (const concurrency of concurrencies) {
    const at = (key: string) => result.rows.find((r) => r.concurrency === concurrency && r.variant === key)?.summary;
    const floor = at('prisma-select-1');
    const pk = at('pg-pk-select');
    const rows = result.variants.map((variant) => {
      const s = at(variant.key);
      if (!s) return [variant.label, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
      return [
        variant.baseline ? `${variant.label} (baseline)` : `**${variant.label}**`,
        ms(s.p50Ms),
        ms(s.p95Ms),
        ms(s.p99Ms),
        perSecond(s.perSecond),
        floor ? ratio(s.p50Ms, floor.p50Ms) : 'n/a',
        pk ? ratio(s.p50Ms, pk.p50Ms) : 'n/a',
        floor ? ratio(s.perSecond, floor.perSecond) : 'n/a',
      ];
    });
    sections.push(
      `**${concurrency === 1 ? 'Sequential (1 in flight)' : `${concurrency} concurrent callers`}**, ${result.rows.find((r) => r.concurrency === concurrency)?.summary.count ?? 0} calls each\n\n` +
        table(['call', 'p50', 'p95', 'p99', 'calls/s', 'p50 ÷ Prisma `SELECT 1`', 'p50 ÷ pg PK select', 'calls/s ÷ Prisma `SELECT 1`'], rows),
    );
  }
  return sections.join('\n\n');
}
