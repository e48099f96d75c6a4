// The real binary: compiled once into node_modules/.cache (so the suite does not depend on a
// prior `pnpm build`), run as a child process against TestGateway. Pins the exit codes and the
// signal handling documented in README.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN } from './support/agent-harness.js';
import { TestGateway } from './support/test-gateway.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = 'node_modules/.cache/agent-test-dist';
let gateway: TestGateway;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root });
  gateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [] });
}, 120_000);

afterAll(async () => {
  await gateway.close();
});

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

function run(env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, [`${outDir}/main.js`, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout, stderr, exit };
}

const settings = (token: string) => ({
  JITGATE_AGENT_TOKEN: token,
  JITGATE_AGENT_NAME: 'edge-1',
  JITGATE_GATEWAY: gateway.address,
  JITGATE_AGENT_CONNECTIONS: 'echo',
  JITGATE_AGENT_HEALTH_PORT: '0',
  JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
});

describe('jitgate-agent process', () => {
  it('warns loudly about --insecure, connects, and exits 0 after SIGTERM', async () => {
    const agent = run(settings(AGENT_TOKEN), ['--insecure']);
    await gateway.nextTunnel();
    await expect.poll(() => agent.stdout.join('')).toContain('"msg":"tunnel ready"');
    agent.child.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
    const out = agent.stdout.join('');
    expect(out).toContain('INSECURE: the tunnel to the gateway is plaintext gRPC');
    expect(out).toContain('"msg":"agent stopped"');
    expect(out).not.toContain(AGENT_TOKEN);
  });

  it('exits 77 with a clear message when every gateway refuses the token', async () => {
    const wrong = `jga_${'z'.repeat(43)}`;
    const agent = run(settings(wrong), ['--insecure']);
    expect(await agent.exit).toBe(77);
    expect(agent.stderr.join('')).toContain('every gateway refused this agent: the gateway refused the agent token');
    expect(agent.stdout.join('') + agent.stderr.join('')).not.toContain(wrong);
  });

  it('exits 64 on bad settings, naming them without their values', async () => {
    const bad = 'jga_short-but-secret';
    const agent = run({ ...settings(bad), JITGATE_GATEWAY: 'nope' });
    expect(await agent.exit).toBe(64);
    const err = agent.stderr.join('');
    expect(err).toContain('JITGATE_AGENT_TOKEN: must look like jga_');
    expect(err).toContain('JITGATE_GATEWAY: each address must be host:port');
    expect(err).not.toContain(bad);
  });

  it('takes the Google endpoint settings: listed in --help, refused with exit 64 when unsafe', async () => {
    const help = run({}, ['--help']);
    expect(await help.exit).toBe(0);
    for (const flag of ['--bigquery-endpoint', '--storage-endpoint', '--iam-credentials-endpoint', '--iam-credentials-insecure', '--google-token-url']) expect(help.stdout.join('')).toContain(flag);
    const agent = run({
      ...settings(AGENT_TOKEN),
      JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: '10.1.2.3:443',
      JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: 'true',
    });
    expect(await agent.exit).toBe(64);
    const err = agent.stderr.join('');
    expect(err).toContain('JITGATE_AGENT_IAM_CREDENTIALS_INSECURE: plaintext needs JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT on a loopback address');
  });

  it('starts with Google endpoints on loopback stand-in addresses', async () => {
    const agent = run(
      {
        ...settings(AGENT_TOKEN),
        JITGATE_AGENT_STORAGE_ENDPOINT: 'http://127.0.0.1:9199',
        JITGATE_AGENT_IAM_CREDENTIALS_ENDPOINT: '127.0.0.1:9198',
        JITGATE_AGENT_GOOGLE_TOKEN_URL: 'http://127.0.0.1:9197/token',
      },
      ['--insecure', '--bigquery-endpoint', 'http://localhost:9196', '--iam-credentials-insecure'],
    );
    await gateway.nextTunnel();
    await expect.poll(() => agent.stdout.join('')).toContain('"msg":"tunnel ready"');
    agent.child.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
  });

  it('refuses TLS without a readable CA file before dialling', async () => {
    const agent = run({ ...settings(AGENT_TOKEN), JITGATE_GATEWAY_CA: '/nonexistent/ca.pem' });
    expect(await agent.exit).toBe(64);
    expect(agent.stdout.join('')).toContain('JITGATE_GATEWAY_CA: /nonexistent/ca.pem cannot be read');
  });
});
