// A Redis server a suite starts for itself, so that it can stop, freeze or wipe it (issue 15's
// faults) without touching the machine's shared Redis that every other suite uses. It keeps
// nothing on disk, like the machine's: a restart comes back empty, as a Redis restarted without
// persistence does in production.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// A suite that dies leaves no redis-server behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class OwnRedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts `redis-server` (from the PATH) on a free loopback port. */
  static async start(): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Starts it (again, after kill) on the same port, empty, as Redis without persistence restarts. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('this Redis is already running');
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    this.child = child;
    live.add(child);
    child.once('exit', () => {
      live.delete(child);
      if (this.child === child) this.child = undefined;
    });
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await answers(this.port)) return;
      if (!this.child) throw new Error(`redis-server on port ${this.port} exited at start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not answer within 5 s`);
  }

  /** Down, as after a crash: the process is killed, every connection drops, new ones are refused. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGCONT');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Frozen: connections stay open and nothing answers (SIGSTOP), until resume(). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}
