// The built gateway as a real process (`node apps/gateway/dist/main.js`), the way it runs in
// production: its own event loop, its own pools, nothing shared with the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from bench/dist/*.js or bench/src/*.ts alike. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GATEWAY_MAIN = path.join(REPO_ROOT, 'apps', 'gateway', 'dist', 'main.js');

const READY_TIMEOUT_MS = 60_000;

/**
 * The data plane's listeners (agent tunnel, client TCP) in plaintext, on ports the kernel picks
 * for the in-process app; gateway processes get free ports chosen below instead, so that several
 * replicas run side by side and the tunnel bench knows where to dial. Builds without a data plane
 * ignore these.
 */
export const DATA_PLANE_ENV = {
  JITGATE_TUNNEL_PORT: '0',
  JITGATE_TUNNEL_INSECURE: 'true',
  JITGATE_TCP_PORT: '0',
  JITGATE_PG_PORT: '0',
  // Else every gateway process would try the default 8480 and all but the first fail to start.
  JITGATE_HTTP_PORT: '0',
} as const;
const STOP_TIMEOUT_MS = 15_000;
/** A profiled process writes its profile on the way out: give it time before SIGKILL loses it. */
const PROFILED_STOP_TIMEOUT_MS = 120_000;

export interface GatewayProcessOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  bootstrapToken: string;
  poolSize: number;
  /** PATH for the child (main.ts reads the environment; nothing else here does). */
  searchPath: string;
  /** Another build's main.js to run instead of apps/gateway/dist/main.js (an A/B of a change). */
  main?: string;
  /** When set, the process runs with --cpu-prof and writes its profile here on exit. */
  cpuProfileDir?: string;
  /** More node flags (the tunnel bench's GC probe). */
  nodeArgs?: string[];
}

export interface GatewayProcess {
  pid: number;
  baseUrl: string;
  /** The data plane's ports (agent tunnel, client TCP), chosen here so the tunnel bench can dial them. */
  tunnelPort: number;
  tcpPort: number;
  /** The HTTP proxy port (docs/http.md), chosen here too so the HTTP bench can call it. */
  httpPort: number;
  /** SIGTERM, then SIGKILL if the graceful shutdown hangs. Resolves once the process has exited. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const main = options.main ?? GATEWAY_MAIN;
  if (!existsSync(main)) {
    throw new Error(`${path.relative(REPO_ROOT, main)} is missing: build it (pnpm turbo run build --filter=@jitgate/bench...)`);
  }
  const port = await freePort();
  const tunnelPort = await freePort();
  const tcpPort = await freePort();
  const httpPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const nodeArgs = [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: REPO_ROOT,
    // Only what the gateway needs: the bench's own environment (and its secrets) stays here.
    env: {
      PATH: options.searchPath,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
      REDIS_URL: options.redisUrl,
      JITGATE_REDIS_PREFIX: options.redisPrefix,
      JITGATE_BOOTSTRAP_TOKEN: options.bootstrapToken,
      LOG_LEVEL: 'warn',
      ...DATA_PLANE_ENV,
      JITGATE_TUNNEL_PORT: String(tunnelPort),
      JITGATE_TCP_PORT: String(tcpPort),
      JITGATE_HTTP_PORT: String(httpPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout?.on('data', keep);
  // Warnings and errors from the gateway are shown as they come: a bench over failing requests is no bench.
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    process.stderr.write(chunk.toString('utf8').replace(/^(?=.)/gm, '[gateway] '));
  });
  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== null) throw new Error(`the gateway exited with ${exitCode} while starting:\n${tail.join('\n')}`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${tail.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    pid: child.pid as number,
    baseUrl,
    tunnelPort,
    tcpPort,
    httpPort,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timeoutMs = options.cpuProfileDir ? PROFILED_STOP_TIMEOUT_MS : STOP_TIMEOUT_MS;
      const timer = setTimeout(() => {
        process.stderr.write(`[bench] the gateway did not stop within ${timeoutMs / 1000} s of SIGTERM: SIGKILL\n`);
        child.kill('SIGKILL');
      }, timeoutMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
