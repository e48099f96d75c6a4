// The audit log's hash chain, against the real database: GET /v1/audit/verify passes after real
// API actions, over every event up to the head; and what someone who can disable the append-only
// triggers changes (an edit, a deletion, a forged append) is found at the exact event.
// The set-up every audit-integrity file shares: test/support/audit-integrity-suite.ts.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/platform/chain/hash-chain.js';
import { useAuditIntegritySuite } from '../support/audit-integrity-suite.js';

describe('audit integrity', () => {
  const suite = useAuditIntegritySuite();

  it('(a) verifies after real API actions, over every event, up to the current head', async () => {
    const result = await suite.verify();
    expect(result.ok).toBe(true);
    expect(result.firstBreak).toBeUndefined();
    const all = await suite.seqs();
    expect(result.checked).toBe(all.length);
    const head = (await suite.su.query<{ s: string; hash: string }>('SELECT seq::text AS s, hash FROM audit_events ORDER BY seq DESC LIMIT 1')).rows.map((r) => ({ seq: r.s, hash: r.hash }))[0];
    expect(result.head).toEqual(head);
    const actions = (await suite.su.query<{ action: string }>('SELECT action FROM audit_events ORDER BY seq')).rows.map((r) => r.action);
    for (const action of [
      'identity.bootstrap',
      'identity.created',
      'token.issued',
      'connection.created',
      'policy.created',
      'access_request.created',
      'access_request.approval_recorded',
      'access_request.approved',
      'grant.created',
      'grant.revoked',
      'identity.updated',
    ]) {
      expect(actions, action).toContain(action);
    }
    // Each event points at the one before it, from the genesis hash on.
    const rows = (await suite.su.query<{ prev_hash: string; hash: string }>('SELECT prev_hash, hash FROM audit_events ORDER BY seq')).rows;
    expect(rows[0]?.prev_hash).toBe('0'.repeat(64));
    for (const [i, row] of rows.slice(1).entries()) expect(row.prev_hash).toBe(rows[i]?.hash);
  });

  describe('(c) tampering by someone who can disable the triggers', () => {
    let mid: string;
    let next: string;
    const COLUMNS = 'seq, id, at, actor_id, actor_kind, action, target_type, target_id, details, prev_hash, hash';

    /** Runs `sql` as a superuser who has disabled triggers for the session, as a malicious DBA could. */
    const asReplica = async (sql: string, params?: unknown[]) => {
      await suite.su.query('SET session_replication_role = replica');
      try {
        return await suite.su.query(sql, params);
      } finally {
        await suite.su.query('RESET session_replication_role');
      }
    };
    const restore = () =>
      asReplica(`UPDATE audit_events a SET id = o.id, at = o.at, actor_id = o.actor_id, actor_kind = o.actor_kind, action = o.action, target_type = o.target_type,
                 target_id = o.target_id, details = o.details, prev_hash = o.prev_hash, hash = o.hash FROM pg_temp.original o WHERE a.seq = o.seq`);
    const checkedBefore = async (seq: string) => Number((await suite.su.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE seq < $1', [seq])).rows[0]?.n);

    beforeAll(async () => {
      const all = await suite.seqs();
      const index = Math.floor(all.length / 2);
      mid = all[index] as string;
      next = all[index + 1] as string;
      await suite.su.query(`CREATE TEMP TABLE original AS SELECT ${COLUMNS} FROM audit_events WHERE seq = $1`, [mid]);
      expect((await suite.verify()).ok).toBe(true);
    });

    it('finds an edit of any chained field of a middle event at exactly that event, and passes again once it is undone', async () => {
      const edits: Array<[string, string]> = [
        ['details', `UPDATE audit_events SET details = details || '{"tampered": true}'::jsonb WHERE seq = $1`],
        ['details (a value)', `UPDATE audit_events SET details = jsonb_set(details, '{x}', '"y"') WHERE seq = $1`],
        ['action', `UPDATE audit_events SET action = 'identity.updated' WHERE seq = $1 AND action <> 'identity.updated'`],
        ['at', `UPDATE audit_events SET at = at + interval '1 millisecond' WHERE seq = $1`],
        ['actor_id', `UPDATE audit_events SET actor_id = '${randomUUID()}' WHERE seq = $1`],
        ['actor_kind', `UPDATE audit_events SET actor_kind = CASE WHEN actor_kind = 'system' THEN 'human' ELSE 'system' END WHERE seq = $1`],
        ['target_id', `UPDATE audit_events SET target_id = '${randomUUID()}' WHERE seq = $1`],
        ['target_type', `UPDATE audit_events SET target_type = CASE WHEN target_type = 'grant' THEN 'policy' ELSE 'grant' END WHERE seq = $1`],
        ['id', `UPDATE audit_events SET id = '${randomUUID()}' WHERE seq = $1`],
        ['hash', `UPDATE audit_events SET hash = repeat('a', 64) WHERE seq = $1`],
      ];
      for (const [field, sql] of edits) {
        const changed = await asReplica(sql, [mid]);
        if (changed.rowCount === 0) continue; // e.g. the action was already identity.updated
        const result = await suite.verify();
        expect(result, field).toMatchObject({ ok: false, firstBreak: { seq: mid, reason: 'hash_mismatch' } });
        expect(result.checked, field).toBe(await checkedBefore(mid));
        await restore();
        expect(await suite.verify(), `${field} restored`).toMatchObject({ ok: true });
      }
    });

    it('reports an edited prev_hash as a broken link at that event', async () => {
      await asReplica(`UPDATE audit_events SET prev_hash = repeat('b', 64) WHERE seq = $1`, [mid]);
      expect(await suite.verify()).toMatchObject({ ok: false, firstBreak: { seq: mid, reason: 'broken_link' } });
      await restore();
      expect((await suite.verify()).ok).toBe(true);
    });

    it('finds a deleted middle event at the next one, and passes again once it is put back', async () => {
      await asReplica('DELETE FROM audit_events WHERE seq = $1', [mid]);
      const result = await suite.verify();
      expect(result).toMatchObject({ ok: false, firstBreak: { seq: next, reason: 'broken_link' } });
      expect(result.checked).toBe(await checkedBefore(mid));
      await suite.su.query(`INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM pg_temp.original`);
      expect((await suite.verify()).ok).toBe(true);
    });

    it('finds an event appended with a self-consistent hash but the wrong predecessor', async () => {
      const rows = (await suite.su.query<{ s: string; hash: string }>('SELECT seq::text AS s, hash FROM audit_events ORDER BY seq DESC LIMIT 2')).rows.map((r) => ({ seq: r.s, hash: r.hash }));
      const notTheHead = rows[1]?.hash as string;
      const forged = {
        id: randomUUID(),
        at: new Date(),
        actorId: suite.bob.id,
        actorKind: 'human',
        action: 'grant.revoked',
        targetType: 'grant',
        targetId: suite.revokedGrantId,
        details: { reason: 'forged' },
      };
      // Inserts need no trigger to be disabled; the gateway's own role may insert.
      const inserted = await suite.app.query<{ s: string }>(
        `INSERT INTO audit_events (id, at, actor_id, actor_kind, action, target_type, target_id, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10) RETURNING seq::text AS s`,
        [forged.id, forged.at, forged.actorId, forged.actorKind, forged.action, forged.targetType, forged.targetId, JSON.stringify(forged.details), notTheHead, hashEvent(notTheHead, forged)],
      );
      const forgedSeq = inserted.rows[0]?.s as string;
      const result = await suite.verify();
      expect(result).toMatchObject({ ok: false, firstBreak: { seq: forgedSeq, reason: 'broken_link' } });
      expect(result.checked).toBe(await checkedBefore(forgedSeq));
      expect(result.head?.seq).toBe(rows[0]?.seq); // the last good event
      await asReplica('DELETE FROM audit_events WHERE seq = $1', [forgedSeq]);
      expect((await suite.verify()).ok).toBe(true);
    });

    it('cannot see the newest events deleted, which is why the head it returns must be kept elsewhere', async () => {
      const head = (await suite.verify()).head;
      expect(head).not.toBeNull();
      await suite.su.query(`CREATE TEMP TABLE newest AS SELECT ${COLUMNS} FROM audit_events WHERE seq = $1`, [head?.seq]);
      await asReplica('DELETE FROM audit_events WHERE seq = $1', [head?.seq]);
      const truncated = await suite.verify();
      expect(truncated.ok).toBe(true); // the chain alone cannot tell (docs/operations.md)
      expect(truncated.head).not.toEqual(head); // a copy of the earlier head does
      await suite.su.query(`INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM pg_temp.newest`);
      expect((await suite.verify()).head).toEqual(head);
    });

    it('keeps chaining correctly after the repairs', async () => {
      expect((await suite.gw.admin.patch(`/v1/identities/${suite.carol.id}`, { displayName: 'Carol C.' })).status).toBe(200);
      const result = await suite.verify();
      expect(result.ok).toBe(true);
      expect(result.checked).toBe(await suite.count());
    });
  });
});
