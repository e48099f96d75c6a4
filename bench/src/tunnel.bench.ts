// The data plane (issue 3's goals): a client socket straight to the target against one through
// jitgate (client → gateway TCP listener, handshake line of docs/tunnel.md → gRPC tunnel →
// agent → target), in the same run, on loopback:
//   bulk     one transfer of N MB to a sink, timed from the first byte sent to the sink's reply;
//   latency  64-byte request/response round trips on one socket, one in flight, interleaved
//            rounds direct / through so drift hits both;
//   idle     sessions opened and left idle; the gateway's and the agent's RSS before and after.
// Beside each: the CPU the gateway, the agent and the target spent (from /proc), since on a
// 2-core box a CPU-bound relay is what caps the tunnel.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { formatHandshakeRequest, parseHandshakeAnswer } from '@jitgate/contracts';
import { CpuMeter, type CpuReport } from './cpu-meter.js';
import { inParallel, type BenchWorld } from './setup.js';
import { ms, summarise, type LatencySummary } from './stats.js';
import { setUpTunnelWorld, type TunnelWorld } from './tunnel.setup.js';

export interface TunnelOptions {
  bulkBytes: number;
  /** When set, the gateway and the agent run under --cpu-prof and write their profiles here. */
  profileDir?: string;
  roundTrips: number;
  idleSessions: number;
  searchPath: string;
  cores: number;
  log: (line: string) => void;
}

/** One reading of a process right after a forced full GC (bench/preload/gc-probe.cjs), in KiB. */
export interface MemoryReading {
  rssKb: number;
  heapUsedKb: number;
  /** C++ objects bound to JS, Buffers and ArrayBuffers included. */
  externalKb: number;
  arrayBuffersKb: number;
}

/** Before, after one batch of idle sessions, after a second batch; each after a forced GC. */
export interface IdleMemory {
  before: MemoryReading;
  after: MemoryReading;
  afterSecond: MemoryReading;
}

export interface BulkRun {
  path: 'direct' | 'jitgate';
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  cpu: CpuReport;
}

export interface TunnelResult {
  bulk: BulkRun[];
  latency: { direct: LatencySummary; jitgate: LatencySummary; rounds: number };
  /** Handshake to `JITGATE/1 200`, per session, while the idle sessions were opened (8 at a time). */
  open: LatencySummary;
  /** The timed bulk transfer through jitgate and when each process exited (epoch ms): the profiles' window. */
  profileWindow: { fromEpochMs: number; toEpochMs: number; gatewayExitedAt: number; agentExitedAt: number } | null;
  idle: {
    sessions: number;
    gateway: IdleMemory;
    agent: IdleMemory;
  };
}

export const ROUND_TRIP_BYTES = 64;
const BULK_CHUNK = Buffer.alloc(1024 * 1024, 0x61);
export const OPEN_CONCURRENCY = 8;
export const SETTLE_MS = 2_000;

/** The first line a socket receives; bytes after it are put back for the next reader. */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(0x0a);
      if (nl < 0) return;
      cleanup();
      if (nl + 1 < buffered.length) socket.unshift(buffered.subarray(nl + 1));
      resolve(buffered.subarray(0, nl).toString('utf8'));
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`the socket closed before a line arrived (got "${buffered.toString('utf8').slice(0, 200)}")`));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    // A socket paused by an earlier readLine does not start flowing again by itself.
    socket.resume();
  });
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  return socket;
}

/** A session through jitgate: the handshake line, then raw bytes (docs/tunnel.md). */
async function openSession(tunnel: TunnelWorld, connection: string): Promise<net.Socket> {
  const socket = await connect(tunnel.gateway.tcpPort);
  socket.write(formatHandshakeRequest({ connection, token: tunnel.identity.token }));
  const line = await readLine(socket);
  if (parseHandshakeAnswer(line)?.ok !== true) {
    socket.destroy();
    throw new Error(`the handshake on ${connection} was answered "${line}"`);
  }
  return socket;
}

/** Sends `bytes` to the sink and waits for its `ok`: the time of the whole transfer. */
async function bulk(socket: net.Socket, bytes: number): Promise<number> {
  const started = performance.now();
  const answered = readLine(socket);
  socket.write(`${bytes}\n`);
  for (let sent = 0; sent < bytes; sent += BULK_CHUNK.length) {
    const chunk = bytes - sent >= BULK_CHUNK.length ? BULK_CHUNK : BULK_CHUNK.subarray(0, bytes - sent);
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  const reply = await answered;
  if (reply !== 'ok') throw new Error(`the sink answered "${reply}"`);
  return (performance.now() - started) / 1000;
}

/** One request in flight on an echo socket: write 64 bytes, wait until 64 have come back. */
function roundTripper(socket: net.Socket): (samples: Float64Array, from: number, count: number) => Promise<void> {
  const payload = Buffer.alloc(ROUND_TRIP_BYTES, 0x62);
  let owed = 0;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    owed -= chunk.length;
    if (owed <= 0 && wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  socket.resume();
  return async (samples, from, count) => {
    for (let i = from; i < from + count; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        owed += ROUND_TRIP_BYTES;
        wake = resolve;
        socket.write(payload);
      });
      samples[i] = performance.now() - t0;
    }
  };
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/** SIGUSR2 → the process's GC probe collects garbage and writes its memory; waits for that file. */
async function memoryAfterGc(pid: number): Promise<MemoryReading> {
  const file = path.join(os.tmpdir(), `jitgate-bench-gc-${pid}.json`);
  const read = () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { sequence: number; rss: number; heapUsed: number; external: number; arrayBuffers: number }) : undefined);
  const previous = read()?.sequence ?? 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reading = read();
    if (reading && reading.sequence > previous) {
      return { rssKb: reading.rss / 1024, heapUsedKb: reading.heapUsed / 1024, externalKb: reading.external / 1024, arrayBuffersKb: reading.arrayBuffers / 1024 };
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} did not answer the GC probe (is it running with bench/preload/gc-probe.cjs?)`);
    await sleep(20);
  }
}

async function memorySamples(pids: { gateway: number; agent: number }): Promise<{ gateway: MemoryReading; agent: MemoryReading }> {
  return { gateway: await memoryAfterGc(pids.gateway), agent: await memoryAfterGc(pids.agent) };
}

export async function runTunnelBench(world: BenchWorld, options: TunnelOptions): Promise<TunnelResult> {
  const tunnel = await setUpTunnelWorld(world, options.searchPath, options.log, options.profileDir);
  const meter = new CpuMeter(
    [
      { name: 'gateway', pids: async () => [tunnel.gateway.pid] },
      { name: 'agent', pids: async () => [tunnel.agentPid] },
      { name: 'target', pids: async () => [tunnel.targetPid] },
    ],
    options.cores,
  );
  try {
    // (a) Bulk: a short warm-up on each path, then one timed transfer each, direct first.
    const bulkRuns: BulkRun[] = [];
    let bulkWindow = { fromEpochMs: 0, toEpochMs: 0 };
    for (const path of ['direct', 'jitgate'] as const) {
      const socket = path === 'direct' ? await connect(tunnel.target.sink) : await openSession(tunnel, tunnel.connections.sink);
      await bulk(socket, Math.min(options.bulkBytes, 16 * 1024 * 1024));
      socket.destroy();
    }
    for (const path of ['direct', 'jitgate'] as const) {
      const socket = path === 'direct' ? await connect(tunnel.target.sink) : await openSession(tunnel, tunnel.connections.sink);
      await meter.start();
      const fromEpochMs = Date.now();
      const seconds = await bulk(socket, options.bulkBytes);
      if (path === 'jitgate') bulkWindow = { fromEpochMs, toEpochMs: Date.now() };
      const cpu = await meter.stop();
      socket.destroy();
      const mbPerSecond = options.bulkBytes / 1024 / 1024 / seconds;
      bulkRuns.push({ path, bytes: options.bulkBytes, seconds, mbPerSecond, cpu });
      options.log(`tunnel bulk ${path}: ${options.bulkBytes / 1024 / 1024} MiB in ${seconds.toFixed(2)} s = ${mbPerSecond.toFixed(0)} MiB/s`);
    }

    // (b) Latency: one socket each, warmed, then rounds taken in turn.
    const direct = await connect(tunnel.target.echo);
    const through = await openSession(tunnel, tunnel.connections.echo);
    const rtDirect = roundTripper(direct);
    const rtThrough = roundTripper(through);
    const warm = new Float64Array(500);
    await rtDirect(warm, 0, warm.length);
    await rtThrough(warm, 0, warm.length);
    const rounds = 4;
    const perRound = Math.ceil(options.roundTrips / rounds);
    const samplesDirect = new Float64Array(perRound * rounds);
    const samplesThrough = new Float64Array(perRound * rounds);
    let wallDirect = 0;
    let wallThrough = 0;
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      await rtDirect(samplesDirect, r * perRound, perRound);
      wallDirect += performance.now() - t0;
      t0 = performance.now();
      await rtThrough(samplesThrough, r * perRound, perRound);
      wallThrough += performance.now() - t0;
    }
    direct.destroy();
    through.destroy();
    const latency = { direct: summarise(samplesDirect, wallDirect), jitgate: summarise(samplesThrough, wallThrough), rounds };
    options.log(`tunnel round trip p50: direct ${ms(latency.direct.p50Ms)}, through jitgate ${ms(latency.jitgate.p50Ms)}`);

    // (c) Idle sessions: RSS before, open them (8 handshakes at a time), settle, RSS after.
    await sleep(SETTLE_MS);
    const pids = { gateway: tunnel.gateway.pid, agent: tunnel.agentPid };
    const before = await memorySamples(pids);
    const openMs = new Float64Array(options.idleSessions);
    const openStarted = performance.now();
    const openBatch = () =>
      inParallel(Array.from({ length: options.idleSessions }), OPEN_CONCURRENCY, async (_, i) => {
        const t0 = performance.now();
        const socket = await openSession(tunnel, tunnel.connections.echo);
        openMs[i] = performance.now() - t0;
        return socket;
      });
    const sockets = await openBatch();
    const open = summarise(openMs, performance.now() - openStarted);
    await sleep(SETTLE_MS);
    const after = await memorySamples(pids);
    // A second batch on top: its delta is the marginal cost, without the one-time growth (heap
    // pages, compiled code, pool connections) that the first batch also paid for.
    sockets.push(...(await openBatch()));
    await sleep(SETTLE_MS);
    const afterSecond = await memorySamples(pids);
    for (const socket of sockets) socket.destroy();
    const memoryOf = (key: 'gateway' | 'agent'): IdleMemory => ({ before: before[key], after: after[key], afterSecond: afterSecond[key] });
    const idle = { sessions: options.idleSessions, gateway: memoryOf('gateway'), agent: memoryOf('agent') };
    const each = (from: MemoryReading, to: MemoryReading) =>
      `${((to.heapUsedKb + to.externalKb - from.heapUsedKb - from.externalKb) / options.idleSessions).toFixed(1)} KiB heap+external, ${((to.rssKb - from.rssKb) / options.idleSessions).toFixed(1)} KiB RSS`;
    options.log(
      `tunnel idle, per session after forced GC (first ${options.idleSessions} / next ${options.idleSessions}): gateway ${each(idle.gateway.before, idle.gateway.after)} / ${each(idle.gateway.after, idle.gateway.afterSecond)}; agent ${each(idle.agent.before, idle.agent.after)} / ${each(idle.agent.after, idle.agent.afterSecond)}`,
    );
    // Let the gateway record the sessions' end before it is stopped.
    await sleep(SETTLE_MS);
    const exited = await tunnel.stop();
    return { bulk: bulkRuns, latency, open, idle, profileWindow: options.profileDir ? { ...bulkWindow, ...exited } : null };
  } catch (error) {
    await tunnel.stop();
    throw error;
  }
}
