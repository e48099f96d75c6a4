// A Node child process for the end-to-end suites (the built agent, `jitgate connect`): output
// captured, waits on what it prints and on its exit, and killed if the test worker exits first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeExit, type ExitStatus } from './gateway-process.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class ChildRun {
  stdout = '';
  stderr = '';
  exit: ExitStatus | undefined;
  readonly exited: Promise<ExitStatus>;

  constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<ExitStatus>((resolve) =>
      child.once('close', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Waits until the output matches `pattern`; fails with the output if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(`${this.stdout}\n${this.stderr}`);
      if (match) return match;
      if (this.exit) throw new Error(`${this.label} exited (${describeExit(this.exit)}) before printing ${pattern}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.label} did not print ${pattern} within ${timeoutMs} ms\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label} did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process whatever its state (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(): string {
    return `--- ${this.label} stdout ---\n${this.stdout.slice(-3000)}\n--- ${this.label} stderr ---\n${this.stderr.slice(-3000)}`;
  }
}

/**
 * `prefix` runs node under another program, e.g. `ip netns exec <ns>` (network-namespace.ts),
 * which execs node in place: the pid is still node's, so signals reach it.
 */
export function spawnNode(label: string, main: string, args: string[], env: Record<string, string>, prefix: string[] = []): ChildRun {
  if (!existsSync(main)) throw new Error(`${main} is missing: build the agent and the CLI first`);
  const [command, ...argv] = [...prefix, process.execPath, main, ...args] as [string, ...string[]];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${label}`);
  return new ChildRun(label, child);
}
