// The built agent the data-plane benches (tunnel, http, pgbench) run beside a gateway process of
// their own, and the stopping of that pair with the times each exited: a CPU profile ends when its
// process exits, and the benches cut profiles to their measured window from there.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stopChild } from './child-processes.js';
import { REPO_ROOT, type GatewayProcess } from './gateway-process.js';

export const AGENT_MAIN = path.join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

export function requireBuiltAgent(): void {
  if (!existsSync(AGENT_MAIN)) throw new Error(`${path.relative(REPO_ROOT, AGENT_MAIN)} is missing: pnpm turbo run build --filter=@jitgate/agent --filter=@jitgate/gateway...`);
}

export interface DataPlaneExits {
  gatewayExitedAt: number;
  agentExitedAt: number;
}

/**
 * Stops `children` (last started first; the agent among them), then the gateway `gateway()`
 * returns, if any; says when the agent and the gateway exited (epoch ms, 0 if never started).
 */
export function dataPlaneStopper(children: ChildProcess[], gateway: () => GatewayProcess | undefined): () => Promise<DataPlaneExits> {
  const exits: DataPlaneExits = { gatewayExitedAt: 0, agentExitedAt: 0 };
  return async () => {
    for (const child of [...children].reverse()) {
      await stopChild(child);
      if (child.spawnargs.includes(AGENT_MAIN)) exits.agentExitedAt = Date.now();
    }
    await gateway()?.stop();
    exits.gatewayExitedAt = Date.now();
    return exits;
  };
}
