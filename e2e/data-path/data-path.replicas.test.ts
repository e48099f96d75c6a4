// Two gateway replicas on one database and one Redis prefix (docs/tunnel.md): the agent holds a
// tunnel to each (`JITGATE_GATEWAY=127.0.0.1:p1,127.0.0.1:p2`), a client can open a session
// through either, a revoke issued on one replica cuts a session served by the other within 1 s,
// and losing one replica leaves sessions on the other alone, while the sessions it carried end
// cleanly on both sides (the caller's connection closes, the agent closes the target's) and the
// caller reconnects through the other (issue 15: a replica killed mid-session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@jitgate/testkit';
import { DataPathStack, type CliForwarder } from '../support/data-path-stack.js';

describe('data path: two gateway replicas', () => {
  let stack: DataPathStack;

  beforeAll(async () => {
    stack = await DataPathStack.start('replicas', { replicas: 2 });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  async function sessionThrough(replica: number): Promise<{ cli: CliForwarder; client: Awaited<ReturnType<CliForwarder['open']>> }> {
    const cli = await stack.connect('echo', replica);
    const client = await cli.open();
    const payload = Buffer.from(`through replica ${replica}`);
    expect((await client.echo(payload)).equals(payload)).toBe(true);
    return { cli, client };
  }

  it('the agent keeps a tunnel to each replica, and either replica lists both', async () => {
    expect(stack.gateways[0]?.tunnelPort).not.toBe(stack.gateways[1]?.tunnelPort);
    for (const replica of [0, 1]) {
      const listed = await stack.admin(replica).get('/v1/agents');
      expect(listed.status).toBe(200);
      const agent = listed.body.items.find((a: { id: string }) => a.id === stack.agentRecord.id);
      expect(agent, `replica ${replica}`).toMatchObject({ name: stack.agentRecord.name, connected: 2, revoked: false });
      expect(agent.instances.map((i: { gatewayId: string }) => i.gatewayId).sort(), `replica ${replica}`).toEqual(['gw-replicas-0', 'gw-replicas-1']);
    }
  });

  it('opens sessions through either replica, and a revoke on replica A cuts the one served by replica B within 1 s', async () => {
    const grant = await stack.requestGrant('echo');
    const viaA = await sessionThrough(0);
    const viaB = await sessionThrough(1);
    const rowB = await stack.admin(1).get(`/v1/sessions/${viaB.client.sessionId}`);
    expect(rowB.body).toMatchObject({ gatewayId: 'gw-replicas-1', endedAt: null });
    expect((await stack.admin(0).get(`/v1/sessions/${viaA.client.sessionId}`)).body).toMatchObject({ gatewayId: 'gw-replicas-0' });

    const revoked = await stack.admin(0).post(`/v1/grants/${grant.id}/revoke`, { reason: 'revoked on A' });
    const returnedAt = Date.now();
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const [closedA, closedB] = await Promise.all([viaA.client.closed, viaB.client.closed]);
    console.log(`replicas: revoke on A cut the session on A ${closedA - returnedAt} ms and on B ${closedB - returnedAt} ms after it returned`);
    expect(closedB - returnedAt).toBeLessThanOrEqual(1000);
    expect(closedA - returnedAt).toBeLessThanOrEqual(1000);
    expect(await stack.endedSession(viaB.client.sessionId as string, 1)).toMatchObject({ gatewayId: 'gw-replicas-1', endReason: 'grant_revoked' });
    expect(await stack.endedSession(viaA.client.sessionId as string, 0)).toMatchObject({ gatewayId: 'gw-replicas-0', endReason: 'grant_revoked' });
    await Promise.all([viaA.cli.run.stop(), viaB.cli.run.stop()]);
  });

  it('a session on replica B keeps flowing when replica A dies; the one on A ends on both sides and its caller reconnects through B', async () => {
    await stack.requestGrant('echo');
    const viaA = await sessionThrough(0);
    const targetOfA = stack.echo.sockets.at(-1);
    const viaB = await sessionThrough(1);
    await stack.gateways[0]?.kill('SIGKILL');
    // The caller's connection closes (no hang), and the agent closes the target's by itself.
    await viaA.client.closed;
    await expect(viaA.client.echo(Buffer.from('after A died'))).rejects.toThrow(/closed/);
    await eventually(async () => targetOfA?.closedAt !== undefined, 10_000);
    for (let i = 0; i < 20; i += 1) {
      const payload = Buffer.alloc(32 * 1024, i);
      expect((await viaB.client.echo(payload)).equals(payload)).toBe(true);
    }
    // And B still takes new sessions while A is down: the caller of A reconnects through it.
    const again = await viaB.cli.open();
    expect((await again.echo(Buffer.from('B alone'))).toString()).toBe('B alone');
    // B's own tunnel is listed; A's lapses within 30 s of its last report (port/agent-instances.redis.ts).
    const instances = (await stack.admin(1).get(`/v1/agents/${stack.agentRecord.id}`)).body.instances as Array<{ gatewayId: string }>;
    expect(instances.map((i) => i.gatewayId)).toContain('gw-replicas-1');
  });
});
