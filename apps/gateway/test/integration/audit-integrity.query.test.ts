// GET /v1/audit against the real database: it filters by actor, action, target and time, pages
// with after/next without gaps or repeats, and is for admins and auditors only.
// The set-up every audit-integrity file shares: test/support/audit-integrity-suite.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useAuditIntegritySuite } from '../support/audit-integrity-suite.js';

describe('audit integrity', () => {
  const suite = useAuditIntegritySuite();

  describe('(d) GET /v1/audit', () => {
    type Event = { seq: string; at: string; actorId: string | null; action: string; targetType: string; targetId: string | null; prevHash: string; hash: string };
    const list = async (query: string, client = suite.gw.admin) => {
      const res = await client.get(`/v1/audit${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: Event[]; next: string | null };
    };
    const dbSeqs = async (where: string, params: unknown[]) => (await suite.su.query<{ s: string }>(`SELECT seq::text AS s FROM audit_events WHERE ${where} ORDER BY seq`, params)).rows.map((r) => r.s);

    it('filters by actor', async () => {
      const { items } = await list(`?actor=${suite.bob.id}&limit=1000`);
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((e) => e.actorId === suite.bob.id)).toBe(true);
      expect(items.map((e) => e.seq)).toEqual(await dbSeqs('actor_id = $1', [suite.bob.id]));
      expect((await list(`?actor=${randomUUID()}`)).items).toEqual([]);
    });

    it('filters by action, and by actor and action together', async () => {
      const { items } = await list('?action=access_request.created&limit=1000');
      expect(items.map((e) => e.seq)).toEqual(await dbSeqs('action = $1', ['access_request.created']));
      expect(items.every((e) => e.action === 'access_request.created')).toBe(true);
      expect(items.length).toBe(2);
      const both = await list(`?actor=${suite.bob.id}&action=access_request.approval_recorded`);
      expect(both.items).toHaveLength(1);
      expect(both.items[0]).toMatchObject({ actorId: suite.bob.id, action: 'access_request.approval_recorded', targetId: suite.approvedRequestId });
    });

    it('filters by target type and target', async () => {
      const request = await list(`?targetType=access_request&target=${suite.approvedRequestId}`);
      expect(request.items.map((e) => e.action)).toEqual(['access_request.created', 'access_request.approval_recorded', 'access_request.approved']);
      expect(request.items.every((e) => e.targetType === 'access_request' && e.targetId === suite.approvedRequestId)).toBe(true);
      const grant = await list(`?targetType=grant&target=${suite.revokedGrantId}`);
      expect(grant.items.map((e) => e.action)).toEqual(['grant.created', 'grant.revoked']);
      // The same id under another type is another target.
      expect((await list(`?targetType=policy&target=${suite.revokedGrantId}`)).items).toEqual([]);
      const identities = await list('?targetType=identity&limit=1000');
      expect(identities.items.map((e) => e.seq)).toEqual(await dbSeqs('target_type = $1', ['identity']));
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const all = (await list('?limit=1000')).items;
      const times = [...new Set(all.map((e) => e.at))];
      expect(times.length).toBeGreaterThan(4);
      const from = times[1] as string;
      const to = times[times.length - 2] as string;
      const window = await list(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=1000`);
      const expected = all.filter((e) => e.at >= from && e.at < to).map((e) => e.seq);
      expect(window.items.map((e) => e.seq)).toEqual(expected);
      expect(window.items.some((e) => e.at === from)).toBe(true);
      expect(window.items.some((e) => e.at === to)).toBe(false);
      expect(expected).toEqual(await dbSeqs('at >= $1 AND at < $2', [from, to]));
      // An offset other than Z names the same instant.
      const fromAtPlusTwo = new Date(new Date(from).getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      const shifted = await list(`?from=${encodeURIComponent(fromAtPlusTwo)}&to=${encodeURIComponent(to)}&limit=1000`);
      expect(shifted.items.map((e) => e.seq)).toEqual(expected);
      expect((await list(`?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`)).items).toEqual([]);
    });

    it('pages with after and next, in order, without gaps or repeats', async () => {
      const all = (await list('?limit=1000')).items;
      expect(all.length).toBeGreaterThan(7);
      const pages: Event[][] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard += 1) {
        const page: { items: Event[]; next: string | null } = await list(`?limit=3${after ? `&after=${after}` : ''}`);
        pages.push(page.items);
        if (page.items.length === 3) expect(page.next).toBe(page.items[2]?.seq);
        else expect(page.next).toBeNull();
        if (!page.next) break;
        after = page.next;
      }
      const seen = pages.flat();
      expect(seen.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
      expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
      // The pages still form one chain.
      for (const [i, event] of seen.slice(1).entries()) expect(event.prevHash).toBe(seen[i]?.hash);
      // Filters and paging together.
      const firstIdentity = await list('?targetType=identity&limit=2');
      const rest = await list(`?targetType=identity&limit=1000&after=${firstIdentity.next}`);
      expect([...firstIdentity.items, ...rest.items].map((e) => e.seq)).toEqual(await dbSeqs('target_type = $1', ['identity']));
    });

    it('is for admins and auditors only', async () => {
      const auditor = await suite.carol.api.get('/v1/audit?limit=5');
      expect(auditor.status).toBe(200);
      expect(auditor.body.items).toHaveLength(5);
      expect((await suite.carol.api.get('/v1/audit/verify')).body.ok).toBe(true);
      // Auditors read; they do not administer.
      expect((await suite.carol.api.post('/v1/identities', { kind: 'human', subject: 'by-auditor' })).status).toBe(403);
      for (const who of [suite.alice, suite.bob]) {
        for (const path of ['/v1/audit', '/v1/audit/verify', `/v1/audit?actor=${who.id}`]) {
          const res = await who.api.get(path);
          expect(res.status).toBe(403);
          expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/auditor/) });
        }
      }
      expect((await suite.gw.api.get('/v1/audit')).status).toBe(401);
      expect((await suite.gw.api.get('/v1/audit/verify')).status).toBe(401);
    });
  });
});
