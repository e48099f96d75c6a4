// The reconciler's one read (data-plane/live/session-standing.repository.ts) against the real database:
// what it says of each live session's grant, identity and token, rows gone included, and what
// one check costs for a replica's worth of sessions (printed for docs/operations.md; no bound is
// asserted: the machine's load decides the figures).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/platform/config/config.schema.js';
import { PlainSqlPool } from '../../src/platform/database/plain-sql-pool.js';
import { SessionStandingRepository } from '../../src/data-plane/live/session-standing.repository.js';
import { connectPg, createMigratedDatabase, type PgClient } from '@jitgate/testkit';

/** Rows of each kind: about the sessions of a busy replica, and then some. */
const ROWS = 5_000;

let database: { url: string; drop(): Promise<void> };
let su: PgClient;
let pool: PlainSqlPool;
let repository: SessionStandingRepository;
let live: Array<{ id: string; grantId: string; identityId: string; tokenId: string | null }>;

beforeAll(async () => {
  database = await createMigratedDatabase('jitgate_it_session_standing');
  su = await connectPg(database.url);
  // Row n: identity n with token n and grant n (through request n), all on one connection.
  await su.query(`
    INSERT INTO connections (id, name, type, agent_group, updated_at) VALUES ('00000000-0000-4000-8000-000000000001', 'db', 'postgres', 'edge', now());
    INSERT INTO identities (id, issuer, subject, kind, display_name, updated_at)
      SELECT ('00000000-0000-4000-a000-' || lpad(n::text, 12, '0'))::uuid, 'jitgate', 'user-' || n, 'human', 'user ' || n, now() FROM generate_series(1, ${ROWS}) n;
    INSERT INTO api_tokens (id, identity_id, name, token_hash, prefix, expires_at)
      SELECT ('00000000-0000-4000-b000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-a000-' || lpad(n::text, 12, '0'))::uuid, 't', 'hash-' || n, 'jg_x', now() + interval '1 day' FROM generate_series(1, ${ROWS}) n;
    INSERT INTO access_requests (id, requester_id, connection_id, duration_seconds, reason, status, decision)
      SELECT ('00000000-0000-4000-c000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-a000-' || lpad(n::text, 12, '0'))::uuid, '00000000-0000-4000-8000-000000000001', 3600, 'r', 'approved', '{}' FROM generate_series(1, ${ROWS}) n;
    INSERT INTO grants (id, request_id, identity_id, connection_id, status, starts_at, expires_at)
      SELECT ('00000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-c000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-a000-' || lpad(n::text, 12, '0'))::uuid,
             '00000000-0000-4000-8000-000000000001', 'active', now(), now() + interval '1 hour' FROM generate_series(1, ${ROWS}) n;
    ANALYZE identities; ANALYZE api_tokens; ANALYZE grants;
  `);
  const id = (kind: string, n: number) => `00000000-0000-4000-${kind}000-${String(n).padStart(12, '0')}`;
  live = Array.from({ length: ROWS }, (_, i) => ({ id: randomUUID(), grantId: id('d', i + 1), identityId: id('a', i + 1), tokenId: id('b', i + 1) }));
  pool = new PlainSqlPool({ database: { url: database.url, poolSize: 2 } } as GatewayConfig);
  repository = new SessionStandingRepository(pool);
}, 60_000);

afterAll(async () => {
  await pool?.onApplicationShutdown();
  await su?.end();
  await database?.drop();
});

describe("the live sessions' standing, in one read", () => {
  it('says, for each session, its grant, its identity and its token as they are now; a row that is gone reads as null', async () => {
    const [plain, revoked, disabled, ended, oidc] = live;
    await su.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [revoked!.tokenId]);
    await su.query('UPDATE identities SET disabled_at = now() WHERE id = $1', [disabled!.identityId]);
    await su.query("UPDATE grants SET status = 'released', ended_at = now() WHERE id = $1", [ended!.grantId]);
    const gone = { id: randomUUID(), grantId: randomUUID(), identityId: randomUUID(), tokenId: randomUUID() };
    const standings = await repository.of([plain!, revoked!, disabled!, ended!, { ...oidc!, tokenId: null }, gone]);
    expect(standings.size).toBe(6);
    const active = { status: 'active', expiresAt: expect.any(Date) };
    const standing = { grant: active, identity: { disabled: false }, token: { revoked: false, expiresAt: expect.any(Date) } };
    expect(standings.get(plain!.id)).toEqual(standing);
    expect(standings.get(revoked!.id)).toEqual({ ...standing, token: { revoked: true, expiresAt: expect.any(Date) } });
    expect(standings.get(disabled!.id)).toEqual({ ...standing, identity: { disabled: true } });
    expect(standings.get(ended!.id)).toEqual({ ...standing, grant: { status: 'released', expiresAt: expect.any(Date) } });
    expect(standings.get(oidc!.id)).toEqual({ ...standing, token: null });
    expect(standings.get(gone.id)).toEqual({ grant: null, identity: null, token: null });
  });

  it('costs one statement whatever the number of sessions (timings printed)', async () => {
    for (const count of [1, 100, 1_000, ROWS]) {
      const sessions = live.slice(0, count);
      await repository.of(sessions);
      const runs = 20;
      const started = performance.now();
      for (let i = 0; i < runs; i += 1) expect((await repository.of(sessions)).size).toBe(count);
      console.log(`session standing: ${count} live sessions, ${((performance.now() - started) / runs).toFixed(2)} ms per check (mean of ${runs})`);
    }
  }, 60_000);
});
