// A redis-server of the suite's own, on a free port and keeping nothing on disk (the flags
// packages/devenv uses for `pnpm dev`), for suites that stop Redis under the gateway: the
// machine's shared server on 6379 is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { pingRedis } from '@jitgate/devenv';
import { eventually } from '@jitgate/testkit';
import { freePort } from './gateway-process.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class OwnRedis {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async start(): Promise<OwnRedis> {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        resolve();
      }),
    );
    const url = `redis://127.0.0.1:${port}`;
    await eventually(async () => (await pingRedis(url, 500)).up, 10_000);
    return new OwnRedis(url, child, exited);
  }

  /** Redis is frozen (SIGSTOP): connections stay open and nothing is answered, until thaw(). */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** Redis is gone, as after a crash: connections are refused from now on. */
  async kill(): Promise<void> {
    if (live.has(this.child)) {
      this.child.kill('SIGKILL');
      this.child.kill('SIGCONT');
    }
    await this.exited;
  }
}
