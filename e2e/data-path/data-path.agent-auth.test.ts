// Who may carry traffic (docs/tunnel.md, "Agents and their tokens"; apps/agent/README.md, "When
// the gateway refuses the agent"): the real agent process with a wrong or revoked token is
// refused by the gateway and exits 77; an agent revoked while running is cut off and exits 77;
// a connection of another agent group that the agent offers is refused in Welcome, and a client
// asking for it gets 503 no_agent.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, eventually, registerAgent } from '@jitgate/testkit';
import { AGENT_GROUP, DataPathStack, FOREIGN_CONNECTION } from '../support/data-path-stack.js';

const EXIT_REFUSED = 77;
const GIVING_UP = /every gateway refused this agent; giving up/;

describe('data path: agent authentication and assignment', () => {
  let stack: DataPathStack;

  beforeAll(async () => {
    stack = await DataPathStack.start('agentauth');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('a wrong token: the gateway refuses the agent and it exits 77 without printing the token', async () => {
    const token = `jga_${randomBytes(32).toString('base64url')}`;
    const started = Date.now();
    const agent = stack.spawnAgent({ token });
    const exit = await agent.waitForExit(20_000);
    expect(exit, agent.tail()).toEqual({ code: EXIT_REFUSED, signal: null });
    expect(`${agent.stdout}${agent.stderr}`).toMatch(GIVING_UP);
    expect(`${agent.stdout}${agent.stderr}`).not.toContain(token);
    console.log(`wrong token: the agent exited 77 after ${Date.now() - started} ms`);
  });

  it('a revoked token: refused, exit 77', async () => {
    const name = 'edge-revoked-before';
    const { id, token } = await registerAgent(stack.admin(), name, AGENT_GROUP);
    expect((await stack.admin().post(`/v1/agents/${id}/revoke`, { reason: 'lost laptop' })).status).toBe(200);
    const agent = stack.spawnAgent({ token, name });
    expect(await agent.waitForExit(20_000), agent.tail()).toEqual({ code: EXIT_REFUSED, signal: null });
    expect(`${agent.stdout}${agent.stderr}`).toMatch(GIVING_UP);
    expect((await stack.admin().get(`/v1/agents/${id}`)).body).toMatchObject({ revoked: true, connected: 0 });
  });

  it("a token that is another agent's (name mismatch): refused, exit 77", async () => {
    const agent = stack.spawnAgent({ name: 'not-the-tokens-agent' });
    expect(await agent.waitForExit(20_000), agent.tail()).toEqual({ code: EXIT_REFUSED, signal: null });
  });

  it('an agent revoked while it runs loses its tunnel and exits 77', async () => {
    const name = 'edge-revoked-live';
    const { id, token } = await registerAgent(stack.admin(), name, AGENT_GROUP);
    const agent = stack.spawnAgent({ token, name, connections: ['echo'] });
    await eventually(async () => (await stack.admin().get(`/v1/agents/${id}`)).body.connected === 1, 15_000);
    expect((await stack.admin().post(`/v1/agents/${id}/revoke`, { reason: 'compromised host' })).status).toBe(200);
    expect(await agent.waitForExit(20_000), agent.tail()).toEqual({ code: EXIT_REFUSED, signal: null });
    expect((await stack.admin().get(`/v1/agents/${id}`)).body).toMatchObject({ revoked: true, connected: 0 });
    // The stack's own agent is untouched.
    expect((await stack.admin().get(`/v1/agents/${stack.agentRecord.id}`)).body.connected).toBe(1);
  });

  it('refuses in Welcome a connection of another group, and a client asking for it gets 503 no_agent', async () => {
    const agent = stack.agent!;
    const refused = await agent.waitForOutput(
      /"connection":"foreign-echo"[^\n]*the gateway refused a connection this agent offered|the gateway refused a connection this agent offered[^\n]*"connection":"foreign-echo"/,
    );
    expect(refused[0]).toBeTruthy();
    await stack.requestGrant(FOREIGN_CONNECTION);
    const targetSockets = stack.echo.sockets.length;

    // The raw handshake: the gateway's answer line.
    const raw = await connectClient(stack.gateway.tcpPort, FOREIGN_CONNECTION, stack.alice.token);
    expect(raw.line).toMatch(/^JITGATE\/1 503 no_agent no agent of group "elsewhere"/);

    // Through jitgate connect: the local connection is closed and the CLI says why.
    const cli = await stack.connect(FOREIGN_CONNECTION);
    const local = net.connect({ host: '127.0.0.1', port: cli.port });
    local.on('error', () => {});
    local.resume();
    await once(local, 'close');
    await cli.run.waitForOutput(/no agent that serves foreign-echo is connected to the gateway \(gateway: 503 no_agent/);
    expect(cli.sessionIds()).toEqual([]);
    // The target was never dialled for it.
    expect(stack.echo.sockets.length).toBe(targetSockets);

    // The agent still serves its own connection.
    await stack.requestGrant('echo');
    const echoCli = await stack.connect('echo');
    const client = await echoCli.open();
    expect((await client.echo(Buffer.from('own group'))).toString()).toBe('own group');
    client.socket.end();
  });
});
