// Where the CPU went during one measured run: the gateway process, the PostgreSQL processes that
// serve the bench database, Redis, this process (the load generator) and everything else on the
// machine (other work sharing the box: a figure taken while "other" is large is suspect).
// Read from /proc, so Linux only; elsewhere the meter reports nothing and the benches still run.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A named set of processes whose CPU time is summed; the pids are asked for at start and stop. */
export interface ProcessGroup {
  name: string;
  pids(): Promise<number[]>;
  /**
   * The group's processes reap its short-lived members (PostgreSQL's postmaster and its
   * backends): a member that starts and ends within the run is seen at neither end, so its CPU
   * is taken from the reaper's cumulative children's time (cutime + cstime) instead.
   */
  reapsItsOwn?: boolean;
}

export interface CpuReport {
  wallMs: number;
  cores: number;
  /** CPU milliseconds used by each group during the run, and the part spent in the kernel. */
  byGroup: Record<string, number>;
  systemByGroup: Record<string, number>;
  /** CPU milliseconds used by the load generator (this process). */
  clientMs: number;
  /** Machine-wide busy CPU milliseconds, and the part no group above accounts for. */
  machineBusyMs: number;
  otherMs: number;
}

interface Ticks {
  total: number;
  system: number;
  /** Of its children that ended and were waited for, over their whole lives. */
  reapedTotal: number;
  reapedSystem: number;
}

function processTicks(pid: number): Ticks | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [user, system, childUser, childSystem] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { total: user! + system!, system: system!, reapedTotal: childUser! + childSystem!, reapedSystem: childSystem! };
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Pids whose /proc/<pid>/comm is exactly `name` (e.g. "redis-server"). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

export class CpuMeter {
  private startTicks = new Map<string, Map<number, Ticks>>();
  private startMachine: { busy: number; total: number } | null = null;
  private startClient = process.cpuUsage();
  private startWall = 0;

  constructor(
    private readonly groups: ProcessGroup[],
    private readonly cores: number,
  ) {}

  async start(): Promise<void> {
    this.startTicks.clear();
    for (const group of this.groups) {
      const ticks = new Map<number, Ticks>();
      for (const pid of await group.pids()) {
        const t = processTicks(pid);
        if (t !== null) ticks.set(pid, t);
      }
      this.startTicks.set(group.name, ticks);
    }
    this.startMachine = machineTicks();
    this.startClient = process.cpuUsage();
    this.startWall = performance.now();
  }

  async stop(): Promise<CpuReport> {
    const wallMs = performance.now() - this.startWall;
    const client = process.cpuUsage(this.startClient);
    const endMachine = machineTicks();
    const byGroup: Record<string, number> = {};
    const systemByGroup: Record<string, number> = {};
    for (const group of this.groups) {
      const before = this.startTicks.get(group.name) ?? new Map<number, Ticks>();
      const pids = new Set([...before.keys(), ...(await group.pids())]);
      let total = 0;
      let system = 0;
      for (const pid of pids) {
        const now = processTicks(pid);
        const then = before.get(pid);
        if (now === null) {
          // Ended during the run: lost, unless a reaper of the group counts its whole life (below),
          // in which case what it had spent before the run comes off again.
          if (group.reapsItsOwn && then) {
            total -= then.total;
            system -= then.system;
          }
          continue;
        }
        // A process that started during the run counts from zero.
        total += now.total - (then?.total ?? 0);
        system += now.system - (then?.system ?? 0);
        if (group.reapsItsOwn && then) {
          total += now.reapedTotal - then.reapedTotal;
          system += now.reapedSystem - then.reapedSystem;
        }
      }
      byGroup[group.name] = toMs(total);
      systemByGroup[group.name] = toMs(system);
    }
    const clientMs = (client.user + client.system) / 1000;
    const machineBusyMs = this.startMachine && endMachine ? toMs(endMachine.busy - this.startMachine.busy) : Number.NaN;
    const accounted = Object.values(byGroup).reduce((a, b) => a + b, 0) + clientMs;
    return { wallMs, cores: this.cores, byGroup, systemByGroup, clientMs, machineBusyMs, otherMs: Math.max(0, machineBusyMs - accounted) };
  }
}
