// What the tunnel bench runs on: a target process (a sink and an echo server on loopback), two
// `tcp` connections to it served by an agent group of their own, a policy that auto-approves the
// bench identities on them, grants for one identity, a gateway process for the tunnel, and the
// built agent (`apps/agent/dist/main.js --insecure`) dialling that gateway's tunnel port. All
// through the public API, as an operator would do it (docs/tunnel.md, apps/agent/README.md).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { GATEWAY_MAIN, REPO_ROOT, type GatewayProcess } from './gateway-process.js';
import { Api, benchPolicyRules, type BenchIdentity, type BenchWorld } from './setup.js';
import { AGENT_MAIN, dataPlaneStopper, requireBuiltAgent, type DataPlaneExits } from './agent-process.js';

/** Both data-plane processes run with it: SIGUSR2 makes them collect garbage and report memory. */
export const GC_PROBE_ARGS = ['--expose-gc', '--require', path.join(REPO_ROOT, 'bench', 'preload', 'gc-probe.cjs')];
const AGENT_GROUP = 'bench-tunnel';
const AGENT_NAME = 'bench-agent';
const READY_TIMEOUT_MS = 30_000;

/**
 * The target: `sink` reads one line with a byte count, then swallows that many bytes and answers
 * `ok\n` (so the transfer's end is known without relying on half-close); `echo` sends back what
 * it gets. Both with Nagle off, like a database server's socket would be for small replies.
 */
const TARGET_SERVER = `
const net = require('node:net');
const sink = net.createServer((socket) => {
  socket.setNoDelay(true);
  let header = '';
  let left = -1;
  socket.on('data', (chunk) => {
    if (left < 0) {
      header += chunk.toString('latin1');
      const nl = header.indexOf('\\n');
      if (nl < 0) return;
      left = Number(header.slice(0, nl)) - (header.length - nl - 1);
    } else left -= chunk.length;
    if (left <= 0) socket.write('ok\\n');
  });
  socket.on('error', () => {});
});
const echo = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.pipe(socket);
  socket.on('error', () => {});
});
sink.listen(0, '127.0.0.1', () => echo.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ sink: sink.address().port, echo: echo.address().port }) + '\\n')));
`;

export interface TunnelWorld {
  gateway: GatewayProcess;
  agentPid: number;
  targetPid: number;
  target: { sink: number; echo: number };
  connections: { sink: string; echo: string };
  identity: BenchIdentity;
  /** Stops the agent, the target and the tunnel's gateway; says when the gateway and the agent exited (epoch ms). */
  stop(): Promise<DataPlaneExits>;
}

async function startTarget(): Promise<{ child: ChildProcess; ports: { sink: number; echo: number } }> {
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', TARGET_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ sink: number; echo: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the target server exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')) as { sink: number; echo: number }));
  });
  return { child, ports };
}

/** `profileDir`: the gateway and the agent run under --cpu-prof and write their profiles in `<dir>/gateway` and `<dir>/agent`. */
export async function setUpTunnelWorld(world: BenchWorld, searchPath: string, log: (line: string) => void, profileDir?: string): Promise<TunnelWorld> {
  requireBuiltAgent();
  const children: ChildProcess[] = [];
  let gatewayProcess: GatewayProcess | undefined;
  // A profile ends when its process exits: the bench cuts it to the bulk transfer from there.
  const stop = dataPlaneStopper(children, () => gatewayProcess);
  try {
    const target = await startTarget();
    children.push(target.child);
    const admin = new Api(world.gateway.baseUrl, world.adminToken);
    const connections = { sink: 'bench-tcp-sink', echo: 'bench-tcp-echo' };
    for (const [name, port] of [
      [connections.sink, target.ports.sink],
      [connections.echo, target.ports.echo],
    ] as const) {
      await admin.call('POST', '/v1/connections', 201, { name, type: 'tcp', agentGroup: AGENT_GROUP, settings: { host: '127.0.0.1', port } });
    }
    await admin.call('POST', '/v1/policies', 201, { name: 'bench-tunnel', rules: benchPolicyRules([connections.sink, connections.echo]) });
    const agent = await admin.call<{ id: string; token: string }>('POST', '/v1/agents', 201, { name: AGENT_NAME, agentGroup: AGENT_GROUP });

    // The tunnel's gateway: a process of its own, so its memory is the data plane's and nothing else's.
    const gateway = await world.startExtraGateway(GATEWAY_MAIN, { nodeArgs: GC_PROBE_ARGS, cpuProfileDir: profileDir && path.join(profileDir, 'gateway') });
    gatewayProcess = gateway;
    const identity = world.identities[0]!;
    for (const connection of [connections.sink, connections.echo]) {
      const created = await new Api(gateway.baseUrl, identity.token).call<{ status: string }>('POST', '/v1/access-requests', 201, { connection, duration: '1h', reason: 'bench: tunnel' });
      if (created.status !== 'approved') throw new Error(`the tunnel bench's request on ${connection} was ${created.status}, not auto-approved`);
    }

    const agentProfile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'agent')}`] : [];
    const agentProcess = spawn(process.execPath, [...agentProfile, ...GC_PROBE_ARGS, AGENT_MAIN, '--insecure'], {
      cwd: REPO_ROOT,
      env: {
        PATH: searchPath,
        NODE_ENV: 'production',
        JITGATE_AGENT_TOKEN: agent.token,
        JITGATE_AGENT_NAME: AGENT_NAME,
        JITGATE_AGENT_INSTANCE_ID: 'bench',
        JITGATE_GATEWAY: `127.0.0.1:${gateway.tunnelPort}`,
        JITGATE_AGENT_CONNECTIONS: `${connections.sink},${connections.echo}`,
        JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
        JITGATE_AGENT_HEALTH_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(agentProcess);
    // The agent warns loudly about --insecure at start: shown once, like every other warning of it.
    agentProcess.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString('utf8').replace(/^(?=.)/gm, '[agent] ')));

    const deadline = Date.now() + READY_TIMEOUT_MS;
    const adminOfTunnelGateway = new Api(gateway.baseUrl, world.adminToken);
    for (;;) {
      if (agentProcess.exitCode !== null) throw new Error(`the agent exited with ${agentProcess.exitCode}`);
      const view = await adminOfTunnelGateway.call<{ connected: number }>('GET', `/v1/agents/${agent.id}`, 200);
      if (view.connected > 0) break;
      if (Date.now() > deadline) throw new Error(`the agent did not connect to the gateway within ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log(`tunnel: gateway pid ${gateway.pid} (tunnel :${gateway.tunnelPort}, clients :${gateway.tcpPort}), agent pid ${agentProcess.pid}, target pid ${target.child.pid}`);
    return { gateway, agentPid: agentProcess.pid as number, targetPid: target.child.pid as number, target: target.ports, connections, identity, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
