// The agent across gateway restarts (apps/agent/README.md, "Tunnels"): when the gateway dies the
// agent closes the sessions that were on the tunnel, retries with backoff, and once the gateway
// is back on the same database and ports it is connected again and new sessions work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from '@jitgate/testkit';
import { DataPathStack, type EchoSocket } from '../support/data-path-stack.js';

describe('data path: the agent reconnects after a gateway restart', () => {
  let stack: DataPathStack;

  beforeAll(async () => {
    stack = await DataPathStack.start('restart');
    await stack.requestGrant('echo');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  async function liveSession() {
    const cli = await stack.connect('echo');
    const targetIndex = stack.echo.sockets.length;
    const client = await cli.open();
    expect((await client.echo(Buffer.from('before'))).toString()).toBe('before');
    return { cli, client, target: stack.echo.sockets[targetIndex] as EchoSocket };
  }

  async function expectNewSessionWorks(payload: string): Promise<void> {
    const cli = await stack.connect('echo');
    const client = await cli.open();
    expect((await client.echo(Buffer.from(payload))).toString()).toBe(payload);
    client.socket.end();
    await cli.run.stop();
  }

  it('after SIGKILL: the agent closes the orphaned target at once, reconnects to the restarted gateway, and a new session works', async () => {
    const { cli, client, target } = await liveSession();
    const agentRunsBefore = stack.agents.length;
    const killedAt = Date.now();
    expect(await stack.gateway.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    // With the gateway gone nothing gets through: the agent drops the session on the lost tunnel.
    await eventually(async () => target.closedAt !== undefined, 5_000, 20);
    const orphanClosed = (target.closedAt as number) - killedAt;
    expect(orphanClosed).toBeLessThanOrEqual(1000);
    await client.closed;
    await cli.run.stop();

    await sleep(1500); // the agent is in backoff, dialling a closed port
    const restartAt = Date.now();
    await stack.gateway.start();
    expect(stack.gateway.run.port).toBe(stack.gateway.runs[0]?.port);
    await stack.waitAgentConnected([stack.gateway], 30_000);
    console.log(`SIGKILL: target closed ${orphanClosed} ms after the kill; agent connected again ${Date.now() - restartAt} ms after the restart began`);
    // The same agent process, not a new one.
    expect(stack.agents.length).toBe(agentRunsBefore);
    expect(stack.agent?.exit).toBeUndefined();

    // The killed process never closed its session's row; the restarted one (same gateway id)
    // does at start, with the reason that says what happened.
    const row = await stack.endedSession(client.sessionId as string);
    expect(row.endReason).toBe('gateway_lost');
    expect(row.active).toBe(false);

    await expectNewSessionWorks('after the crash');
  }, 60_000);

  it('after SIGTERM: the live session ends as shutdown, and the agent is back once the gateway is', async () => {
    const { cli, client } = await liveSession();
    await stack.gateway.stop();
    await client.closed;
    await cli.run.stop();
    await stack.gateway.start();
    const row = await stack.endedSession(client.sessionId as string);
    expect(row).toMatchObject({ endReason: 'shutdown', bytesUp: 6, bytesDown: 6 });
    await stack.waitAgentConnected([stack.gateway], 30_000);
    await expectNewSessionWorks('after the stop');
  }, 60_000);
});
