// Pinning processes to CPUs with taskset (util-linux), for `--pgbench-pin`: the nearest a small
// machine comes to a deployment in which the gateway and the agent have cores of their own. The
// "edge" CPUs get the client (pgbench) and the database; the "middle" CPUs everything between
// them — jitgate's gateway and agent, pgbouncer, the floors, the bench's own forwarder — so each
// target in the middle gets the same cores, and direct runs on the edge alone.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface CorePlan {
  /** CPU lists as taskset takes them (`0`, `0-3`). */
  edge: string;
  middle: string;
}

/** The first half of the CPUs for the edge, the rest for the middle; null with fewer than 2. */
export function planCores(cpus = os.availableParallelism()): CorePlan | null {
  if (cpus < 2) return null;
  const half = Math.floor(cpus / 2);
  const list = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);
  return { edge: list(0, half - 1), middle: list(half, cpus - 1) };
}

/** Runs taskset on `pid`; its output, or null when the process has ended meanwhile. */
function taskset(args: string[], pid: number, what: string): string | null {
  try {
    return execFileSync('taskset', [...args, String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer | string }).stderr ?? '');
    if (/No such process|failed to get pid/i.test(stderr)) return null;
    throw new Error(`taskset could not ${what} of ${pid}: ${stderr.trim() || String(error)}`);
  }
}

/** Every thread of `pid` onto `cpus`; a process that has ended is skipped. */
export function pin(pid: number, cpus: string): void {
  taskset(['-a', '-c', '-p', cpus], pid, `set the CPUs (${cpus})`);
}

/** `pid`'s current CPU list, to put it back afterwards; null when the process has ended. */
export function affinityOf(pid: number): string | null {
  const out = taskset(['-c', '-p'], pid, 'read the CPUs');
  if (out === null) return null;
  const list = /affinity list:\s*(\S+)/.exec(out)?.[1];
  if (!list) throw new Error(`taskset printed no affinity list for ${pid}: ${out}`);
  return list;
}
