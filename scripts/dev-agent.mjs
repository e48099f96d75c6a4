// The local agent `pnpm dev` runs for the demo connections (apps/agent/README.md): plaintext
// tunnel on loopback, its token read from the file dev-demo.mjs keeps, the credentials of its
// connections in its environment, its log lines shown with an `[agent]` prefix.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

/**
 * Starts the agent for `connections`; `credentials` are variables its connections' credentialRefs
 * name (env:NAME). `exited` resolves with how it ended ("exited with code 0", …).
 */
export function startAgent({ main, cwd, name, tunnelPort, tokenFile, connections, credentials = {}, env }) {
  // The agent gets its settings from us only: a JITGATE_AGENT_TOKEN in the developer's shell
  // would clash with the token file.
  const inherited = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('JITGATE_AGENT_') && !key.startsWith('JITGATE_GATEWAY')));
  const child = spawn(process.execPath, [main, '--insecure'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like the gateway: Ctrl-C reaches dev.mjs only, which stops the
    // agent first (it closes its sessions while the gateway still hears it), then the gateway.
    detached: true,
    env: {
      ...inherited,
      ...credentials,
      JITGATE_AGENT_TOKEN_FILE: tokenFile,
      JITGATE_AGENT_NAME: name,
      JITGATE_GATEWAY: `127.0.0.1:${tunnelPort}`,
      JITGATE_AGENT_CONNECTIONS: connections.join(','),
      JITGATE_AGENT_LABELS: 'env=dev',
      // Probes on loopback, on a free port: 9090 is often taken, and nothing here polls them.
      JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
      JITGATE_AGENT_HEALTH_PORT: '0',
    },
  });
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`[agent] ${line}\n`));
  }
  const exited = new Promise((resolve) => {
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  });
  return { child, exited };
}

/** Polls GET /v1/agents/:id until the agent's tunnel is up; false if it exits or takes too long. */
export async function waitForAgent({ call, id, child, timeoutMs, isStopping, warn }) {
  const deadline = Date.now() + timeoutMs;
  while (!isStopping() && child.exitCode === null && child.signalCode === null) {
    if ((await call('GET', `/v1/agents/${id}`)).connected > 0) return true;
    if (Date.now() > deadline) {
      warn(`the agent has not connected within ${timeoutMs / 1000} s; its log above should say why`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
