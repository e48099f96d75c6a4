// Runs the built gateway (`node apps/gateway/dist/main.js`) as a real child process for the
// end-to-end suites: its own environment, a free loopback port, stdout and stderr captured per
// run, readiness taken from /readyz, and SIGKILL / SIGTERM / restart as an operator would.
// Build first (built-mains.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { ApiClient } from '@jitgate/testkit';
import { GATEWAY_MAIN } from './built-mains.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One run of the process: what it printed and how it ended. */
export interface GatewayRun {
  readonly pid: number;
  readonly port: number;
  stdout: string;
  stderr: string;
  /** Set once the process has exited. */
  exit: ExitStatus | undefined;
  readonly exited: Promise<ExitStatus>;
}

export interface GatewayProcessOptions {
  /**
   * The environment of the process, on top of PATH and the defaults below. Nothing else is
   * inherited from the test runner, so a missing setting is really missing.
   * Defaults: HOST=127.0.0.1, PORT=<a free port>, LOG_LEVEL=info, DATABASE_POOL_SIZE=5, and
   * the data-path listeners (agent tunnel, client TCP) on ports the OS picks, the tunnel without
   * TLS, so that processes side by side never collide; set them to test those listeners.
   */
  env: Record<string, string | undefined>;
  /** How long start() waits for /readyz to answer 200. Default 20 s. */
  readyTimeoutMs?: number;
}

const DEFAULT_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  DATABASE_POOL_SIZE: '5',
  JITGATE_TUNNEL_PORT: '0',
  JITGATE_TUNNEL_INSECURE: 'true',
  JITGATE_TCP_PORT: '0',
  JITGATE_PG_PORT: '0',
  JITGATE_HTTP_PORT: '0',
};

// Children still running when the test worker exits (a failed assertion skipped the cleanup)
// are killed, so no gateway outlives its suite.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class GatewayProcess {
  readonly runs: GatewayRun[] = [];
  private child: ChildProcess | undefined;
  private env: Record<string, string | undefined>;
  private port: number | undefined;

  constructor(private readonly options: GatewayProcessOptions) {
    if (!existsSync(GATEWAY_MAIN)) {
      throw new Error(`${GATEWAY_MAIN} is missing: run \`pnpm turbo run build --filter=@jitgate/gateway...\` first`);
    }
    this.env = { ...options.env };
  }

  /** The current (or last) run. */
  get run(): GatewayRun {
    const run = this.runs[this.runs.length - 1];
    if (!run) throw new Error('the gateway has not been started');
    return run;
  }

  /** The environment the next start uses (overrides given to start/restart included). */
  get settings(): Readonly<Record<string, string | undefined>> {
    return { ...this.env };
  }

  get running(): boolean {
    return this.child !== undefined && this.run.exit === undefined;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.run.port}`;
  }

  /**
   * The agents' tunnel port and the clients' TCP port, when they were set explicitly (pass free
   * ports from freePort() so that a restart keeps them); 0 while the OS picks them.
   */
  get tunnelPort(): number {
    return Number(this.env.JITGATE_TUNNEL_PORT ?? 0);
  }

  get pgPort(): number {
    return Number(this.env.JITGATE_PG_PORT ?? 0);
  }

  get httpPort(): number {
    return Number(this.env.JITGATE_HTTP_PORT ?? 0);
  }

  get tcpPort(): number {
    return Number(this.env.JITGATE_TCP_PORT ?? 0);
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT freeze and thaw the process). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  /** Unauthenticated client for the current run; `.as(token)` for others. */
  get api(): ApiClient {
    return new ApiClient(this.baseUrl);
  }

  /** Everything printed on stdout and stderr by every run so far. */
  allOutput(): string {
    return this.runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
  }

  /** Starts the process without waiting for it to be ready (config errors, start races). */
  async spawn(envOverrides: Record<string, string | undefined> = {}): Promise<GatewayRun> {
    if (this.running) throw new Error('the gateway is already running');
    this.env = { ...this.env, ...envOverrides };
    this.port ??= Number(this.env.PORT ?? (await freePort()));
    const env: Record<string, string> = {};
    const merged = { ...DEFAULT_ENV, ...this.env, PORT: this.env.PORT ?? String(this.port), PATH: process.env.PATH };
    for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;

    const child = spawn(process.execPath, [GATEWAY_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error('could not spawn the gateway');
    live.add(child);
    this.child = child;
    let exited!: (status: ExitStatus) => void;
    const run: GatewayRun = {
      pid: child.pid,
      port: Number(env.PORT),
      stdout: '',
      stderr: '',
      exit: undefined,
      exited: new Promise<ExitStatus>((resolve) => (exited = resolve)),
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (run.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
    // 'close' rather than 'exit': it comes after the pipes are drained, so the output is complete.
    child.once('close', (code, signal) => {
      live.delete(child);
      run.exit = { code, signal };
      exited(run.exit);
    });
    this.runs.push(run);
    return run;
  }

  /**
   * Starts the process and waits until /readyz answers 200. A port picked by freePort() can be
   * taken by someone else before the gateway binds it: then it tries again on another one.
   */
  async start(envOverrides: Record<string, string | undefined> = {}): Promise<GatewayRun> {
    for (let attempt = 1; ; attempt += 1) {
      const run = await this.spawn(envOverrides);
      try {
        await this.waitReady();
        return run;
      } catch (error) {
        const portTaken = run.exit !== undefined && run.stderr.includes('EADDRINUSE');
        if (!portTaken || this.env.PORT !== undefined || attempt === 3) throw error;
        this.port = undefined;
      }
    }
  }

  /** Polls /readyz until it answers 200; fails early, with the output, if the process exits. */
  async waitReady(timeoutMs = this.options.readyTimeoutMs ?? 20_000): Promise<void> {
    const run = this.run;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (run.exit) throw new Error(`the gateway exited (${describeExit(run.exit)}) before it was ready\n${tail(run)}`);
      const status = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`the gateway was not ready within ${timeoutMs} ms (last /readyz: ${status})\n${tail(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits for the current run to exit; fails if it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    const run = this.run;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the gateway did not exit within ${timeoutMs} ms\n${tail(run)}`)), timeoutMs);
    });
    try {
      return await Promise.race([run.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal and waits for the exit. SIGKILL is the crash: no hook runs. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs?: number): Promise<ExitStatus> {
    if (!this.running) return this.run.exit as ExitStatus;
    this.child?.kill(signal);
    return this.waitForExit(timeoutMs);
  }

  /** Graceful stop. */
  stop(timeoutMs?: number): Promise<ExitStatus> {
    return this.kill('SIGTERM', timeoutMs);
  }

  /** Stops the current run (SIGTERM unless told otherwise), then starts again on the same port. */
  async restart(envOverrides: Record<string, string | undefined> = {}, signal: NodeJS.Signals = 'SIGTERM'): Promise<GatewayRun> {
    if (this.running) await this.kill(signal);
    return this.start(envOverrides);
  }

  /** For afterAll: ends the process whatever state it is in. */
  async dispose(): Promise<void> {
    if (this.running) await this.kill('SIGKILL').catch(() => undefined);
  }
}

/** Starts several processes at the same moment (each `spawn`ed first, then all awaited). */
export async function startTogether(gateways: GatewayProcess[]): Promise<void> {
  for (const gateway of gateways) await gateway.spawn();
  await Promise.all(gateways.map((gateway) => gateway.waitReady()));
}

export function describeExit(exit: ExitStatus): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function tail(run: GatewayRun): string {
  return `--- stdout (tail) ---\n${run.stdout.slice(-2000)}\n--- stderr (tail) ---\n${run.stderr.slice(-2000)}`;
}

/** Parses the one-time token out of the bootstrap block, if the run printed one. */
export function bootstrapTokenOf(run: GatewayRun): string | undefined {
  return /export JITGATE_TOKEN=(jg_[A-Za-z0-9_-]+)/.exec(run.stdout)?.[1];
}
