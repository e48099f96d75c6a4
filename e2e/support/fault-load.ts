// The load a fault run keeps on the gateway (issue 15): pgbench through the Postgres port, in
// short runs one after another so that a run cut by a fault is followed by a fresh one, and
// HTTP requests through the HTTP port, two at a time. Both only count what happened; the fault
// runs decide what counts as right (fault-lab.ts).
import { spawn } from 'node:child_process';
import { sleep } from '@jitgate/testkit';

export interface PgbenchRun {
  startedAt: number;
  endedAt: number;
  code: number | null;
  /** Transactions per second, when the run got as far as printing it. */
  tps: number | undefined;
  /** The first error line, when there was one. */
  error: string | undefined;
}

export interface LoadTarget {
  pgPort: number;
  httpPort: number;
  database: string;
  token: string;
  httpPath: string;
}

/** A pause between attempts that failed at once, so that a refusal is not retried in a spin. */
const PAUSE_AFTER_FAILURE_MS = 200;
const PGBENCH_SECONDS = 2;

export class GatewayLoad {
  readonly pgbench: PgbenchRun[] = [];
  /** HTTP outcomes by status and x-jitgate-error (`200`, `503 unavailable`, `error` for a failed fetch). */
  readonly http = new Map<string, number>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly target: LoadTarget) {}

  start(): this {
    this.loops.push(this.pgbenchLoop(), this.httpLoop(), this.httpLoop());
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Counts since `at` (ms): pgbench runs that ended well and HTTP answers of 200. */
  succeededSince(at: number): { pgbench: number } {
    return { pgbench: this.pgbench.filter((run) => run.startedAt >= at && run.code === 0).length };
  }

  private async pgbenchLoop(): Promise<void> {
    while (!this.stopped) {
      const run = await this.runPgbench();
      this.pgbench.push(run);
      if (run.code !== 0) await sleep(PAUSE_AFTER_FAILURE_MS);
    }
  }

  private runPgbench(): Promise<PgbenchRun> {
    const startedAt = Date.now();
    return new Promise((resolve) => {
      const child = spawn('pgbench', ['-n', '-T', String(PGBENCH_SECONDS), '-c', '2', '-j', '1', '-h', '127.0.0.1', '-p', String(this.target.pgPort), '-U', 'alice', this.target.database], {
        env: { ...process.env, PGPASSWORD: this.target.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (code) => {
        const tps = /tps = ([\d.]+)/.exec(output)?.[1];
        const error = output.split('\n').find((line) => /error|FATAL|abort/i.test(line));
        resolve({ startedAt, endedAt: Date.now(), code, tps: tps === undefined ? undefined : Number(tps), error });
      });
    });
  }

  private async httpLoop(): Promise<void> {
    while (!this.stopped) {
      let outcome: string;
      try {
        const response = await fetch(`http://127.0.0.1:${this.target.httpPort}${this.target.httpPath}`, {
          headers: { authorization: `Bearer ${this.target.token}` },
          signal: AbortSignal.timeout(15_000),
        });
        await response.arrayBuffer();
        const refusal = response.headers.get('x-jitgate-error');
        outcome = refusal ? `${response.status} ${refusal}` : String(response.status);
      } catch {
        outcome = 'error';
      }
      this.http.set(outcome, (this.http.get(outcome) ?? 0) + 1);
      if (outcome !== '200') await sleep(PAUSE_AFTER_FAILURE_MS);
    }
  }
}
