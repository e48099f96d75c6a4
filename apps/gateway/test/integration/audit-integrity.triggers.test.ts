// The audit log is append-only, against the real database: no role without the power to disable
// triggers can UPDATE, DELETE or TRUNCATE audit_events (the triggers in
// prisma/migrations/*/migration.sql), nor switch the triggers off; the gateway still appends.
// The set-up every audit-integrity file shares: test/support/audit-integrity-suite.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { useAuditIntegritySuite } from '../support/audit-integrity-suite.js';
import type { PgClient, PgError } from '@jitgate/testkit';

/** The statement fails; returns the error. */
async function refused(client: PgClient, sql: string, params?: unknown[]): Promise<PgError> {
  const outcome = await client.query(sql, params).then(
    () => null,
    (error: unknown) => error as PgError,
  );
  expect(outcome, `${sql} succeeded`).not.toBeNull();
  return outcome as PgError;
}

/** The append-only trigger's own refusal (not a missing privilege, which has the same SQLSTATE). */
function expectTriggerRefusal(error: PgError, op: 'UPDATE' | 'DELETE' | 'TRUNCATE'): void {
  expect(error.code).toBe('42501');
  expect(error.message).toBe(`audit_events is append-only: ${op} is not allowed`);
}

describe('audit integrity', () => {
  const suite = useAuditIntegritySuite();

  describe('(b) append-only', () => {
    let mid: string;
    beforeAll(async () => {
      const all = await suite.seqs();
      mid = all[Math.floor(all.length / 2)] as string;
    });

    it('refuses UPDATE, DELETE and TRUNCATE to a role with ordinary table privileges', async () => {
      const before = await suite.count();
      // The role does hold the privileges: the triggers are what refuse.
      const privileges = await suite.app.query<{ u: boolean; d: boolean; t: boolean; super: boolean }>(
        `SELECT has_table_privilege(current_user, 'audit_events', 'UPDATE') AS u, has_table_privilege(current_user, 'audit_events', 'DELETE') AS d,
                has_table_privilege(current_user, 'audit_events', 'TRUNCATE') AS t, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super`,
      );
      expect(privileges.rows[0]).toEqual({ u: true, d: true, t: true, super: false });
      // ... and uses them on other tables.
      expect((await suite.app.query('UPDATE identities SET display_name = display_name WHERE id = $1', [suite.alice.id])).rowCount).toBe(1);

      expectTriggerRefusal(await refused(suite.app, "UPDATE audit_events SET details = '{}'::jsonb WHERE seq = $1", [mid]), 'UPDATE');
      expectTriggerRefusal(await refused(suite.app, 'UPDATE audit_events SET action = action'), 'UPDATE');
      expectTriggerRefusal(await refused(suite.app, 'DELETE FROM audit_events WHERE seq = $1', [mid]), 'DELETE');
      expectTriggerRefusal(await refused(suite.app, 'DELETE FROM audit_events'), 'DELETE');
      expectTriggerRefusal(await refused(suite.app, 'TRUNCATE audit_events'), 'TRUNCATE');
      expectTriggerRefusal(await refused(suite.app, 'TRUNCATE identities, audit_events CASCADE'), 'TRUNCATE');

      // Nor can it switch the triggers off.
      expect((await refused(suite.app, 'SET session_replication_role = replica')).message).toMatch(/permission denied/);
      expect((await refused(suite.app, 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete')).message).toMatch(/must be owner/);
      expect((await refused(suite.app, 'ALTER TABLE audit_events DISABLE TRIGGER ALL')).message).toMatch(/must be owner|permission denied/);
      expect((await refused(suite.app, 'DROP TRIGGER audit_events_no_truncate ON audit_events')).message).toMatch(/must be owner/);
      expect((await refused(suite.app, 'DROP TABLE audit_events')).message).toMatch(/must be owner/);

      expect(await suite.count()).toBe(before);
      expect((await suite.verify()).ok).toBe(true);
    });

    it('refuses them to the superuser too while the triggers are enabled', async () => {
      const before = await suite.count();
      expectTriggerRefusal(await refused(suite.su, "UPDATE audit_events SET details = '{}'::jsonb WHERE seq = $1", [mid]), 'UPDATE');
      expectTriggerRefusal(await refused(suite.su, 'DELETE FROM audit_events WHERE seq = $1', [mid]), 'DELETE');
      expectTriggerRefusal(await refused(suite.su, 'TRUNCATE audit_events'), 'TRUNCATE');
      expect(await suite.count()).toBe(before);
      expect((await suite.verify()).ok).toBe(true);
    });

    it('still takes the appends of the gateway', async () => {
      const before = await suite.count();
      expect((await suite.gw.admin.patch(`/v1/identities/${suite.bob.id}`, { displayName: 'Bob B.' })).status).toBe(200);
      expect(await suite.count()).toBe(before + 1);
      expect((await suite.verify()).ok).toBe(true);
    });
  });
});
