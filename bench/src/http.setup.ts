// What the HTTP bench runs on: the target process (http-target.main.ts: a plain JSON server and
// the Google stand-ins), three connections served by an agent group of their own — `http` with no
// guardrail, `http` with a masking guardrail (detectors, so JSON bodies are read whole and
// scanned), `gcs` with a `gcp-sa:` credential the agent mints tokens for —, a policy that
// auto-approves the bench identity on them, grants, a gateway process of its own and the built
// agent. All through the public API, as in tunnel.setup.ts and pgbench.setup.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GATEWAY_MAIN, REPO_ROOT, type GatewayProcess } from './gateway-process.js';
import { BUCKET, GCS_SA, type HttpTargetAddresses, type HttpTargetStats } from './http-target.shared.js';
import { Api, benchPolicyRules, type BenchWorld } from './setup.js';
import { AGENT_MAIN, dataPlaneStopper, requireBuiltAgent, type DataPlaneExits } from './agent-process.js';
import { startHttpProxies, type FloorChain } from './floor-processes.js';

const TARGET_MAIN = path.join(REPO_ROOT, 'bench', 'dist', 'http-target.main.js');
const AGENT_GROUP = 'bench-http';
const AGENT_NAME = 'bench-http-agent';
const READY_TIMEOUT_MS = 30_000;
export const HTTP_CONNECTIONS = { plain: 'bench-http', masked: 'bench-http-masked', gcs: 'bench-gcs' } as const;
/** Scans every JSON string for the detectors and masks `*email*` properties whole: the masked path reads bodies whole. */
export const HTTP_MASKING_GUARDRAIL = {
  name: 'bench-http-masking',
  match: { connection: { names: [HTTP_CONNECTIONS.masked] } },
  masking: { columns: ['*email*'], detectors: ['email', 'payment_card'] },
};

/** Every path the bench measures (http.bench.ts), each served by `endpoint` below. */
export const HTTP_PATHS = ['direct', 'jitgate', 'jitgate-masked', 'gcs-direct', 'gcs-jitgate', 'floor-proxy', 'floor-proxies'] as const;
export type HttpPath = (typeof HTTP_PATHS)[number];
export type HttpBody = 'small' | 'large';

/** Where a client sends one kind of request: an origin, a path, the headers. */
export interface HttpEndpoint {
  baseUrl: string;
  path: string;
  headers: Record<string, string>;
}

export interface HttpWorld {
  endpoint(path: HttpPath, body: HttpBody): HttpEndpoint;
  /** `floor`: the bare proxies of the floor paths (floor.main.ts). */
  pids: { gateway: number; agent: number; target: number; floor: number[] };
  /** The stand-ins' call counts so far (IAM mints, OAuth tokens, storage calls). */
  stats(): Promise<HttpTargetStats>;
  /** Stops the agent, the target and the gateway; says when the gateway and the agent exited (epoch ms). */
  stop(): Promise<DataPlaneExits>;
}

async function startTarget(): Promise<{ child: ChildProcess; addresses: HttpTargetAddresses; stats(): Promise<HttpTargetStats> }> {
  if (!existsSync(TARGET_MAIN)) throw new Error(`${path.relative(REPO_ROOT, TARGET_MAIN)} is missing: pnpm --filter @jitgate/bench build`);
  const child = spawn(process.execPath, [TARGET_MAIN], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the HTTP target exited with ${code}`));
      child.once('exit', onExit);
      waiting.push((line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const addresses = JSON.parse(await nextLine()) as HttpTargetAddresses;
  return {
    child,
    addresses,
    stats: async () => {
      const line = nextLine();
      child.stdin!.write('stats\n');
      return JSON.parse(await line) as HttpTargetStats;
    },
  };
}

/** One request through `endpoint`, retried until it answers 200 (the agent may still be connecting). */
async function waitUntilServing(name: string, endpoint: HttpEndpoint): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  for (;;) {
    try {
      const response = await fetch(`${endpoint.baseUrl}${endpoint.path}`, { headers: endpoint.headers });
      last = `${response.status} ${(await response.text()).slice(0, 300)}`;
      if (response.status === 200) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer 200 within ${READY_TIMEOUT_MS / 1000} s: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `profileDir`: the gateway and the agent run under --cpu-prof and write their profiles in `<dir>/gateway` and `<dir>/agent`. */
export async function setUpHttpWorld(world: BenchWorld, searchPath: string, log: (line: string) => void, profileDir?: string): Promise<HttpWorld> {
  requireBuiltAgent();
  const children: ChildProcess[] = [];
  let gateway: GatewayProcess | undefined;
  const floors: FloorChain[] = [];
  const stopDataPlane = dataPlaneStopper(children, () => gateway);
  const stop = async () => {
    for (const floor of floors) await floor.stop();
    return stopDataPlane();
  };
  try {
    const target = await startTarget();
    children.push(target.child);
    const { addresses } = target;
    // The floors: one bare node:http reverse proxy in front of the target, and two in series
    // (what a gateway and an agent that each speak HTTP cost at the least), nothing of jitgate.
    const targetPort = Number(new URL(addresses.plainUrl).port);
    const oneProxy = await startHttpProxies(targetPort, 1);
    floors.push(oneProxy);
    const twoProxies = await startHttpProxies(targetPort, 2);
    floors.push(twoProxies);
    const admin = new Api(world.gateway.baseUrl, world.adminToken);
    for (const name of [HTTP_CONNECTIONS.plain, HTTP_CONNECTIONS.masked]) {
      await admin.call('POST', '/v1/connections', 201, { name, type: 'http', agentGroup: AGENT_GROUP, settings: { baseUrl: addresses.plainUrl } });
    }
    await admin.call('POST', '/v1/connections', 201, {
      name: HTTP_CONNECTIONS.gcs,
      type: 'gcs',
      agentGroup: AGENT_GROUP,
      settings: { projectId: 'bench-data', buckets: [BUCKET], targetServiceAccount: GCS_SA },
      credentialRef: `gcp-sa:${GCS_SA}`,
    });
    const names = Object.values(HTTP_CONNECTIONS);
    await admin.call('POST', '/v1/policies', 201, { name: 'bench-http', rules: benchPolicyRules(names), guardrails: [HTTP_MASKING_GUARDRAIL] });
    const agent = await admin.call<{ id: string; token: string }>('POST', '/v1/agents', 201, { name: AGENT_NAME, agentGroup: AGENT_GROUP });
    const identity = world.identities[0]!;
    for (const connection of names) {
      const created = await new Api(world.gateway.baseUrl, identity.token).call<{ status: string }>('POST', '/v1/access-requests', 201, { connection, duration: '12h', reason: 'bench: http' });
      if (created.status !== 'approved') throw new Error(`the HTTP bench's request on ${connection} was ${created.status}, not auto-approved`);
    }

    // The data plane's gateway: a process of its own, so its CPU is the HTTP path's and nothing else's.
    gateway = await world.startExtraGateway(GATEWAY_MAIN, { cpuProfileDir: profileDir && path.join(profileDir, 'gateway') });
    const agentProfile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'agent')}`] : [];
    const agentProcess = spawn(process.execPath, [...agentProfile, AGENT_MAIN, '--insecure'], {
      cwd: REPO_ROOT,
      env: {
        PATH: searchPath,
        NODE_ENV: 'production',
        JITGATE_AGENT_TOKEN: agent.token,
        JITGATE_AGENT_NAME: AGENT_NAME,
        JITGATE_AGENT_INSTANCE_ID: 'bench-http',
        JITGATE_GATEWAY: `127.0.0.1:${gateway.tunnelPort}`,
        JITGATE_AGENT_CONNECTIONS: names.join(','),
        JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
        JITGATE_AGENT_HEALTH_PORT: '0',
        // The agent's own identity (a key file) and the stand-ins it mints the gcs tokens from.
        GOOGLE_APPLICATION_CREDENTIALS: addresses.keyFile,
        JITGATE_AGENT_GOOGLE_TOKEN_URL: addresses.tokenUri,
        JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: addresses.iamEndpoint,
        JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: 'true',
        JITGATE_AGENT_STORAGE_ENDPOINT: addresses.storageUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(agentProcess);
    agentProcess.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString('utf8').replace(/^(?=.)/gm, '[agent] ')));

    const jitgate = `http://127.0.0.1:${gateway.httpPort}`;
    const bearer = { authorization: `Bearer ${identity.token}` };
    const object = (body: HttpBody) => `/storage/v1/b/${BUCKET}/o/${body}.json?alt=media`;
    const endpoint = (p: HttpPath, body: HttpBody): HttpEndpoint => {
      switch (p) {
        case 'direct':
          return { baseUrl: addresses.plainUrl, path: `/${body}`, headers: {} };
        case 'jitgate':
          return { baseUrl: jitgate, path: `/c/${HTTP_CONNECTIONS.plain}/${body}`, headers: bearer };
        case 'jitgate-masked':
          return { baseUrl: jitgate, path: `/c/${HTTP_CONNECTIONS.masked}/${body}`, headers: bearer };
        case 'gcs-direct':
          return { baseUrl: addresses.storageUrl, path: object(body), headers: { authorization: `Bearer ${addresses.directToken}` } };
        case 'gcs-jitgate':
          return { baseUrl: jitgate, path: `/c/${HTTP_CONNECTIONS.gcs}${object(body)}`, headers: bearer };
        case 'floor-proxy':
          return { baseUrl: `http://127.0.0.1:${oneProxy.port}`, path: `/${body}`, headers: bearer };
        case 'floor-proxies':
          return { baseUrl: `http://127.0.0.1:${twoProxies.port}`, path: `/${body}`, headers: bearer };
      }
    };
    for (const p of HTTP_PATHS) await waitUntilServing(p, endpoint(p, 'small'));
    log(
      `http: gateway pid ${gateway.pid} (http :${gateway.httpPort}, tunnel :${gateway.tunnelPort}), agent pid ${agentProcess.pid}, target pid ${target.child.pid} (${addresses.plainUrl}, storage ${addresses.storageUrl})`,
    );
    return { endpoint, pids: { gateway: gateway.pid, agent: agentProcess.pid as number, target: target.child.pid as number, floor: floors.flatMap((f) => f.pids) }, stats: target.stats, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
