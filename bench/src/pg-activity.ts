// What the gateway's database connections are doing while a run is under way, sampled from
// pg_stat_activity: running a statement, waiting for the audit chain's advisory lock, waiting for
// the per-requester lock, or idle inside a transaction (the database waits for the gateway to
// send the next statement: Node is busy or the round trip is in flight). The averages say
// whether a path is bound by a lock, by the gateway's CPU or by the database.
import pg from 'pg';

export const ACTIVITY_CLASSES = ['running', 'chain-lock-wait', 'requester-lock-wait', 'other-wait', 'idle-in-transaction', 'idle'] as const;
export type ActivityClass = (typeof ACTIVITY_CLASSES)[number];

export interface ActivitySummary {
  samples: number;
  /** Mean number of the gateway's connections in each state. */
  mean: Record<ActivityClass, number>;
}

const SAMPLE_SQL = `
  SELECT state, wait_event_type, wait_event, query
  FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;

interface Row {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string | null;
}

function classify(row: Row): ActivityClass {
  if (row.state === 'idle') return 'idle';
  if (row.state === 'idle in transaction') return 'idle-in-transaction';
  if (row.wait_event_type === 'Lock' && row.wait_event === 'advisory') {
    // The per-requester lock hashes its key in SQL; the chain lock takes a constant.
    return row.query?.includes('hashtextextended') ? 'requester-lock-wait' : 'chain-lock-wait';
  }
  if (row.wait_event_type === 'Lock') return 'other-wait';
  return 'running';
}

export class PgActivitySampler {
  private client: pg.Client | null = null;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private totals = new Map<ActivityClass, number>();
  private samples = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly intervalMs = 50,
  ) {}

  async open(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'jitgate-bench-sampler' });
    await this.client.connect();
  }

  /** Pids of every backend on the bench database: the CPU meter sums their time. */
  async backendPids(): Promise<number[]> {
    if (!this.client) return [];
    const result = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    return result.rows.map((r) => r.pid);
  }

  start(): void {
    this.totals.clear();
    this.samples = 0;
    this.running = true;
    this.loop = (async () => {
      while (this.running && this.client) {
        const result = await this.client.query<Row>(SAMPLE_SQL);
        for (const row of result.rows) {
          const cls = classify(row);
          this.totals.set(cls, (this.totals.get(cls) ?? 0) + 1);
        }
        this.samples++;
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    })();
  }

  async stop(): Promise<ActivitySummary> {
    this.running = false;
    await this.loop;
    const mean = Object.fromEntries(ACTIVITY_CLASSES.map((c) => [c, this.samples ? (this.totals.get(c) ?? 0) / this.samples : 0])) as Record<ActivityClass, number>;
    return { samples: this.samples, mean };
  }

  /**
   * Waits (up to `timeoutMs`) until no connection of the gateway is inside a transaction or
   * running a statement: requests a run cut off are done before the next run starts.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    if (!this.client) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = await this.client.query<Row>(SAMPLE_SQL);
      if (result.rows.every((row) => classify(row) === 'idle')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await this.client?.end();
    this.client = null;
  }
}
