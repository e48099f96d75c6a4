// Enforcement on live sessions with real processes (docs/tunnel.md, "Enforcement at both ends"):
// expiry and revocation cut a session within 1 s, and the agent cuts it alone at expiresAt
// while the gateway is frozen (SIGSTOP). Latencies are printed for the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@jitgate/testkit';
import { DataPathStack, expectWithin, type EchoSocket } from '../support/data-path-stack.js';

describe('data path: grant enforcement on live sessions', () => {
  let stack: DataPathStack;

  beforeAll(async () => {
    stack = await DataPathStack.start('enforce');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  /** A grant, `jitgate connect`, one local connection that has echoed once, and its target socket. */
  async function liveSession(durationSeconds: number) {
    const grant = await stack.requestGrant('echo', durationSeconds);
    const cli = await stack.connect('echo');
    const targetIndex = stack.echo.sockets.length;
    const client = await cli.open();
    expect((await client.echo(Buffer.from('hello'))).toString()).toBe('hello');
    const target = stack.echo.sockets[targetIndex] as EchoSocket;
    expect(target).toBeDefined();
    return { grant, cli, client, target };
  }

  it("cuts a live session within 1 s of the grant's expiresAt; the row says grant_expired with the bytes", async () => {
    const { grant, cli, client, target } = await liveSession(6);
    expect(grant.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const closedAt = await client.closed;
    const late = expectWithin(closedAt, grant.expiresAt.getTime(), 1000, 'client saw the close after expiresAt');
    await sleep(50);
    expectWithin(target.closedAt ?? Infinity, grant.expiresAt.getTime(), 1000, 'target socket closed after expiresAt');
    console.log(`expiry: client saw the close ${late} ms after expiresAt, the target ${(target.closedAt as number) - grant.expiresAt.getTime()} ms after`);

    const row = await stack.endedSession(client.sessionId as string);
    expect(row).toMatchObject({ connection: 'echo', grantId: grant.id, endReason: 'grant_expired', bytesUp: 5, bytesDown: 5 });
    // The CLI follows the grant: expired and not renewed, it stops with exit 3.
    expect((await cli.run.waitForExit(10_000)).code).toBe(3);
  });

  it('cuts a live session within 1 s of an admin revoke returning; the row says grant_revoked with the bytes', async () => {
    const { grant, cli, client, target } = await liveSession(3600);
    expect((await client.echo(Buffer.alloc(100_000, 7))).length).toBe(100_000);
    const revoked = await stack.admin().post(`/v1/grants/${grant.id}/revoke`, { reason: 'incident' });
    const returnedAt = Date.now();
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const closedAt = await client.closed;
    const late = closedAt - returnedAt;
    expect(late, `${late} ms after the revoke returned`).toBeLessThanOrEqual(1000);
    await sleep(50);
    expect((target.closedAt ?? Infinity) - returnedAt).toBeLessThanOrEqual(1000);
    console.log(`revoke: client saw the close ${late} ms after the revoke call returned`);

    const row = await stack.endedSession(client.sessionId as string);
    expect(row).toMatchObject({ grantId: grant.id, endReason: 'grant_revoked', bytesUp: 100_005, bytesDown: 100_005 });
    expect((await cli.run.waitForExit(10_000)).code).toBe(3);
  });

  it('the agent alone closes the target at expiresAt while the gateway is frozen (SIGSTOP)', async () => {
    const { grant, client, target } = await liveSession(7);
    stack.gateway.signal('SIGSTOP');
    try {
      // The gateway cannot act: only the agent's own timer can close the target socket.
      const deadline = grant.expiresAt.getTime() + 3000;
      while (target.closedAt === undefined && Date.now() < deadline) await sleep(20);
      const late = expectWithin(target.closedAt ?? Infinity, grant.expiresAt.getTime(), 1000, 'target socket closed after expiresAt (gateway frozen)');
      console.log(`frozen gateway: the agent closed the target ${late} ms after expiresAt`);
    } finally {
      stack.gateway.signal('SIGCONT');
    }
    const thawedAt = Date.now();
    // Thawed, the gateway ends the client's side too (it really was frozen: not before now) and
    // records the session as expired.
    const closedAt = await client.closed;
    expect(closedAt).toBeGreaterThanOrEqual(thawedAt);
    const row = await stack.endedSession(client.sessionId as string);
    expect(row).toMatchObject({ grantId: grant.id, endReason: 'grant_expired', bytesUp: 5, bytesDown: 5 });
    // The tunnel survived the freeze (shorter than 3 heartbeats): a new grant works at once.
    await stack.requestGrant('echo', 600);
    const cli = await stack.connect('echo');
    const fresh = await cli.open();
    expect((await fresh.echo(Buffer.from('after thaw'))).toString()).toBe('after thaw');
    fresh.socket.end();
  });
});
