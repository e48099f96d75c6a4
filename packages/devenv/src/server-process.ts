// A local server (postgres, redis-server) that this process started and must stop.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcessOptions {
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** The signal that shuts the server down quickly and cleanly. */
  stopSignal: NodeJS.Signals;
  /** Called with each line the server prints (stdout and stderr). */
  onLine?: (line: string) => void;
}

export interface ServerProcess {
  readonly pid: number;
  /** The last lines the server printed, for error messages. */
  recentOutput(): string;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** Sends the stop signal, waits up to `timeoutMs`, then SIGKILL. */
  stop(timeoutMs?: number): Promise<void>;
}

const KEPT_LINES = 40;

export function startServerProcess(command: string, args: string[], options: ServerProcessOptions): ServerProcess {
  // detached: its own process group, so a Ctrl-C in the terminal reaches only our process,
  // which stops the gateway first and the databases after it (see scripts/dev.mjs).
  const child: ChildProcess = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      done = true;
      resolve(`could not start ${command}: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`);
    });
  });
  // Safety net for process.exit() and uncaught errors: the server must not outlive us.
  const onExit = (): void => {
    if (!done) child.kill(options.stopSignal);
  };
  process.once('exit', onExit);
  void exited.then(() => process.removeListener('exit', onExit));

  return {
    pid: child.pid ?? -1,
    recentOutput: () => lines.join('\n'),
    exited,
    hasExited: () => done,
    async stop(timeoutMs = 15_000) {
      if (done) return;
      child.kill(options.stopSignal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
