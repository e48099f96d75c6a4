// PostgreSQL refuses to run as root. Run as root (CI, containers), we start initdb and postgres
// as the unprivileged `postgres` user, which must be able to reach every file they touch.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

/** The user to run PostgreSQL as, or undefined when we are not root and run it as ourselves. */
export async function postgresRunAs(): Promise<RunAs | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const user = 'postgres';
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', user]).then((r) => Number.parseInt(r.stdout, 10)), execFileAsync('id', ['-g', user]).then((r) => Number.parseInt(r.stdout, 10))]);
    return { user, uid, gid };
  } catch {
    throw new Error('the embedded PostgreSQL cannot run as root and there is no `postgres` user to run it as: ' + 'create one (`useradd --system --user-group postgres`) or run as a normal user');
  }
}

/**
 * Throws, naming the folder, when `runAs` cannot enter `dir` or one of the folders above it.
 * initdb's own message ("Permission denied") does not say which folder is at fault.
 */
export async function assertReachable(dir: string, runAs: RunAs): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    const info = await stat(current);
    const bits = info.uid === runAs.uid ? (info.mode >> 6) & 7 : info.gid === runAs.gid ? (info.mode >> 3) & 7 : info.mode & 7;
    if ((bits & 1) === 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `the embedded PostgreSQL runs as user ${runAs.user}, which cannot enter ${current} (mode ${mode}, owner uid ${info.uid}); ` + `allow it (chmod o+x ${current}) or choose a data directory elsewhere`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
