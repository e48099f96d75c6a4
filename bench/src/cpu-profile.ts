// Reads a V8 .cpuprofile (node --cpu-prof) and says where the gateway's CPU went: self time by
// package (the gateway's own code, Prisma, Nest, express, pino, BullMQ, node core, GC) and the
// hottest functions. A flame graph answers more questions; this answers the first one in text.
import { readFileSync } from 'node:fs';
import { ms, table } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Keep only the samples taken between two wall-clock instants (epoch ms). */
export interface ProfileWindow {
  fromEpochMs: number;
  toEpochMs: number;
  /**
   * When the profiled process was seen to exit (epoch ms): the profile's end is aligned to it.
   * The profile is written before the exit, so the window lands slightly early, into the
   * warm-up of the same workload, never into the shutdown.
   */
  exitedAtEpochMs: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number | null;
  totalMs: number;
  idleMs: number;
  byCategory: Array<{ category: string; selfMs: number }>;
  topFunctions: Array<{ name: string; category: string; selfMs: number }>;
}

/** Which package (or part of node) a frame's script belongs to. */
export function categoryOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collection';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return 'node core';
  // The gateway runs two WebAssembly modules: Prisma 7's query compiler and, on the Postgres
  // path, libpg-query's parser; a wasm frame's URL does not say which.
  if (url.startsWith('wasm://')) return 'WebAssembly (Prisma query compiler or libpg-query)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = clean.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? 'node_modules');
  }
  if (clean.includes('/packages/db/dist/generated/')) return '@jitgate/db (generated Prisma client)';
  const own = /\/(apps|packages)\/([^/]+)\/dist\//.exec(clean);
  if (own) return own[1] === 'apps' ? `${own[2]} (own code)` : `@jitgate/${own[2]}`;
  return 'other';
}

export function summariseProfile(file: string, window: ProfileWindow | null, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window) {
      const epochMs = window.exitedAtEpochMs - (profile.endTime - at) / 1000;
      if (epochMs < window.fromEpochMs || epochMs > window.toEpochMs) return;
    }
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });

  const categories = new Map<string, number>();
  const functions = new Map<string, { category: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = categoryOf(url, functionName);
    totalUs += us;
    if (category === '(idle)') {
      idleUs += us;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(apps|packages)\//, '$1/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    const entry = functions.get(name) ?? { category, us: 0 };
    entry.us += us;
    functions.set(name, entry);
  }
  return {
    file,
    windowMs: window ? window.toEpochMs - window.fromEpochMs : null,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    byCategory: [...categories].map(([category, us]) => ({ category, selfMs: us / 1000 })).sort((a, b) => b.selfMs - a.selfMs),
    topFunctions: [...functions]
      .map(([name, f]) => ({ name, category: f.category, selfMs: f.us / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top),
  };
}

export function renderProfile(summary: ProfileSummary, requests: number): string {
  const busy = summary.totalMs - summary.idleMs;
  const share = (v: number) => `${((v / busy) * 100).toFixed(1)}%`;
  const perRequest = (v: number) => (requests > 0 ? ms(v / requests) : 'n/a');
  return [
    `Profile \`${summary.file}\`` +
      (summary.windowMs !== null ? `, the ${ms(summary.windowMs)} of the measured run only` : ', whole process life') +
      `: ${ms(summary.totalMs)} sampled, ${ms(summary.idleMs)} idle, ${ms(busy)} busy` +
      (requests > 0 ? ` for ${requests} requests` : '') +
      '. V8 samples wall time: while the thread is descheduled (the box is oversubscribed, or a write woke a' +
      ' process that preempted it) the sample lands on the frame it was in, often a syscall such as `writev`;' +
      ' the CPU table above has the true CPU time.',
    table(
      ['self time in', 'CPU', 'share of busy', 'per measured request'],
      summary.byCategory.slice(0, 20).map((c) => [c.category, ms(c.selfMs), share(c.selfMs), perRequest(c.selfMs)]),
    ),
    table(
      ['hottest functions (self time)', 'package', 'CPU', 'share of busy'],
      summary.topFunctions.map((f) => [`\`${f.name.replace(/\|/g, '\\|')}\``, f.category, ms(f.selfMs), share(f.selfMs)]),
    ),
  ].join('\n\n');
}
