// The access-ends stream (src/port/access-ends.stream.ts) on the real Redis: what one replica
// publishes reaches its own listeners at once and every other replica's; a malformed message is
// dropped; with Redis unreachable the publisher's own listeners still hear it and it says the
// others were not told.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/platform/config/config.schema.js';
import { RedisService } from '../../src/platform/redis/redis.service.js';
import { RedisAccessEndsStream } from '../../src/port/access-ends.redis-stream.js';
import type { AccessEnd } from '../../src/port/access-events.js';
import { deleteRedisKeys, eventually, REDIS_URL } from '@jitgate/testkit';

const prefix = `jitgate-ends-${randomUUID().slice(0, 8)}`;
const services: RedisService[] = [];

function replica(url = REDIS_URL): { stream: RedisAccessEndsStream; heard: AccessEnd[] } {
  const redis = new RedisService({ redis: { url, prefix } } as GatewayConfig);
  services.push(redis);
  const stream = new RedisAccessEndsStream(redis);
  const heard: AccessEnd[] = [];
  stream.subscribe((end) => heard.push(end));
  return { stream, heard };
}

afterAll(async () => {
  await Promise.all(services.map((s) => s.onApplicationShutdown()));
  await deleteRedisKeys(prefix);
});

describe('the access-ends stream on Redis', () => {
  const grantEnded: AccessEnd = { type: 'grant.ended', grantId: randomUUID(), identityId: randomUUID(), connectionId: randomUUID(), status: 'revoked' };
  const agentRevoked: AccessEnd = { type: 'agent.revoked', agentId: randomUUID(), revokedBy: randomUUID() };

  it('delivers to this process at once and to another replica through Redis, every kind of end', async () => {
    const a = replica();
    const b = replica();
    expect(await a.stream.listen()).toBe(true);
    expect(await b.stream.listen()).toBe(true);
    const tokenRevoked: AccessEnd = { type: 'token.revoked', tokenId: randomUUID(), identityId: randomUUID(), by: null };
    const published = a.stream.publish(grantEnded);
    // Before Redis has answered: the publisher's own listeners have it.
    expect(a.heard).toEqual([grantEnded]);
    expect(await published).toBe(true);
    expect(await a.stream.publish(tokenRevoked)).toBe(true);
    expect(await a.stream.publish(agentRevoked)).toBe(true);
    await eventually(async () => b.heard.length === 3);
    expect(b.heard).toEqual([grantEnded, tokenRevoked, agentRevoked]);
  });

  it('drops a malformed message, and one listener that throws does not keep it from the others', async () => {
    const b = replica();
    const alsoHeard: AccessEnd[] = [];
    b.stream.subscribe(() => {
      throw new Error('a listener that fails');
    });
    b.stream.subscribe((end) => alsoHeard.push(end));
    await b.stream.listen();
    const raw = new Redis(REDIS_URL);
    try {
      await raw.publish(`${prefix}:grant-events`, JSON.stringify({ ...grantEnded, status: 'mislaid' }));
      await raw.publish(`${prefix}:agent-events`, 'not json');
      await raw.publish(`${prefix}:identity-events`, JSON.stringify({ type: 'grant.ended', grantId: 'x' }));
      await raw.publish(`${prefix}:agent-events`, JSON.stringify(agentRevoked));
    } finally {
      raw.disconnect();
    }
    await eventually(async () => alsoHeard.length === 1);
    expect(alsoHeard).toEqual([agentRevoked]);
    expect(b.heard).toEqual([agentRevoked]);
  });

  it('with Redis unreachable: its own listeners hear it, and it says the others were not told', async () => {
    const lonely = replica('redis://127.0.0.1:1');
    expect(await lonely.stream.publish(grantEnded)).toBe(false);
    expect(lonely.heard).toEqual([grantEnded]);
  });
});
