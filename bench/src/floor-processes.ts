// Starting the floors of floor.main.ts as chains of processes in front of a target port: what
// the pgbench and HTTP benches measure beside jitgate to show the least its shape can cost.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './child-processes.js';
import { REPO_ROOT } from './gateway-process.js';

const FLOOR_MAIN = path.join(REPO_ROOT, 'bench', 'dist', 'floor.main.js');
const READY_TIMEOUT_MS = 10_000;

/** A chain of floor processes: callers connect to `port`; `pids` are all of its processes (CPU). */
export interface FloorChain {
  port: number;
  pids: number[];
  stop(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  ports: { port?: number; tunnelPort?: number };
}

async function startFloor(mode: string, args: number[]): Promise<Started> {
  if (!existsSync(FLOOR_MAIN)) throw new Error(`${path.relative(REPO_ROOT, FLOOR_MAIN)} is missing: pnpm --filter @jitgate/bench build`);
  const child = spawn(process.execPath, [FLOOR_MAIN, mode, ...args.map(String)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floor ${mode} printed nothing within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const onExit = (code: number | null) => reject(new Error(`floor ${mode} exited with ${code}`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).once('line', (first) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(first);
    });
  });
  return { child, ports: JSON.parse(line) as Started['ports'] };
}

function chain(started: Started[], port: number | undefined): FloorChain {
  if (!port) throw new Error('a floor process printed no port');
  return {
    port,
    pids: started.map((s) => s.child.pid as number),
    stop: async () => {
      for (const s of started) await stopChild(s.child);
    },
  };
}

/** `count` bare TCP relays in series, each its own process, the last one dialling `toPort`. */
export async function startTcpRelays(toPort: number, count: number): Promise<FloorChain> {
  return startSeries('tcp-relay', toPort, count);
}

/** `count` bare node:http reverse proxies in series, each its own process, the last one in front of `toPort`. */
export async function startHttpProxies(toPort: number, count: number): Promise<FloorChain> {
  return startSeries('http-proxy', toPort, count);
}

async function startSeries(mode: 'tcp-relay' | 'http-proxy', toPort: number, count: number): Promise<FloorChain> {
  const started: Started[] = [];
  try {
    let next = toPort;
    for (let i = 0; i < count; i++) {
      const s = await startFloor(mode, [next]);
      started.push(s);
      next = s.ports.port ?? 0;
    }
    return chain(started, next);
  } catch (error) {
    for (const s of started) await stopChild(s.child);
    throw error;
  }
}

/** The bare grpc-js tunnel: a gateway process (callers' port) and an agent process that dials it and `toPort`. */
export async function startGrpcFloor(toPort: number): Promise<FloorChain> {
  const gateway = await startFloor('grpc-gateway', []);
  try {
    const agent = await startFloor('grpc-agent', [gateway.ports.tunnelPort ?? 0, toPort]);
    return chain([agent, gateway], gateway.ports.port);
  } catch (error) {
    await stopChild(gateway.child);
    throw error;
  }
}
