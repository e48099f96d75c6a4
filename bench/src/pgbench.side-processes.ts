// What the pgbench bench runs beside jitgate: pgbouncer (the reference a Postgres user knows)
// and a miniature `jitgate connect` for the tcp-only target.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { formatHandshakeRequest, parseHandshakeAnswer } from '@jitgate/contracts';
import { listeningPortsOfAny } from './child-processes.js';
import { freePort } from './gateway-process.js';

/** pgbouncer in session mode, in the foreground (stopped by SIGINT), as `postgres` when we are root (it refuses root). */
export async function startPgbouncer(realDatabase: string, log: (line: string) => void): Promise<{ child: ChildProcess; port: number; dir: string }> {
  const binary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));
  if (!binary) throw new Error('pgbouncer is not installed: apt-get install -y pgbouncer (as root)');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jgbench-pgbouncer-'));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'userlist.txt'), '"postgres" ""\n', { mode: 0o644 });
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${realDatabase} = host=127.0.0.1 port=5432 dbname=${realDatabase} user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = session',
      'max_client_conn = 100',
      'default_pool_size = 20',
      'ignore_startup_parameters = extra_float_digits',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const deadline = Date.now() + 10_000;
  while (!listeningPortsOfAny(child.pid).includes(port)) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${tail.join('')}`);
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on :${port}: ${tail.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'pgbouncer';
  log(`pgbench: ${version}, session mode, pid ${child.pid} on :${port}`);
  return { child, port, dir };
}

/**
 * `jitgate connect` in miniature, in the bench process: each local connection becomes a session
 * on the gateway's client port (the handshake line of docs/tunnel.md), then bytes both ways.
 */
export async function startForwarder(gatewayTcpPort: number, connection: string, token: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((local) => {
    local.pause();
    local.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: gatewayTcpPort, noDelay: true });
    sockets.add(local).add(upstream);
    const drop = () => {
      local.destroy();
      upstream.destroy();
      sockets.delete(local);
      sockets.delete(upstream);
    };
    local.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.write(formatHandshakeRequest({ connection, token }));
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) return;
      upstream.off('data', onHead);
      if (parseHandshakeAnswer(head.subarray(0, nl).toString('latin1'))?.ok !== true) return drop();
      if (nl + 1 < head.length) local.write(head.subarray(nl + 1));
      upstream.pipe(local);
      local.pipe(upstream);
      local.resume();
    };
    upstream.on('data', onHead);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
