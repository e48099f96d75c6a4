// The process chores of `pnpm dev` (scripts/dev.mjs): is a port taken, build the dev tooling,
// stop a child politely and then not.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * `pnpm dev` builds only the gateway and what it depends on; devenv is a tool of dev.mjs, so
 * build it here. turbo's cache makes this a no-op when nothing changed; its output is shown only
 * when the build fails.
 */
export function buildDevenv(repo, warn) {
  const turbo = path.join(repo, 'node_modules', '.bin', 'turbo');
  if (!existsSync(turbo)) {
    warn('turbo is not installed: run `pnpm install` first');
    process.exit(1);
  }
  const result = spawnSync(turbo, ['run', 'build', '--filter=@jitgate/devenv', '--output-logs=errors-only'], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    warn('building @jitgate/devenv failed: run `pnpm build` to see why');
    process.exit(1);
  }
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function somethingListens(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    function finish(answer) {
      socket.destroy();
      resolve(answer);
    }
  });
}

export function running(child) {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the child has exited. */
export async function stopChild(name, child, exited, timeoutMs, warn) {
  if (!running(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    warn(`the ${name} did not stop within ${timeoutMs / 1000} s: killing it`);
    child.kill('SIGKILL');
  }, timeoutMs);
  await exited;
  clearTimeout(timer);
}
