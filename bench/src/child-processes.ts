// Child processes of the benches: stopping them, and which TCP ports they listen on (/proc).
import type { ChildProcess } from 'node:child_process';
import { listeningPorts } from '../../scripts/listening-ports.mjs';

export { listeningPorts };

/** `signal`, then SIGKILL after 15 s; resolves when the child has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** The same, and none when the process is gone or not there yet. */
export function listeningPortsOfAny(pid: number | undefined): number[] {
  try {
    return pid === undefined ? [] : listeningPorts(pid);
  } catch {
    return [];
  }
}
