// One read for all the live sessions of this replica (SessionReconciler): the grant, identity and
// token each was opened with, as the database has them now. One statement whatever the number of
// sessions — the ids travel as arrays, each join is a primary-key probe — on the plain SQL pool
// (docs/operations.md has what it costs).
import { Inject, Injectable } from '@nestjs/common';
import { PlainSqlPool } from '../../platform/database/plain-sql-pool.js';
import type { LiveSessionInfo } from './live-session.js';
import type { SessionStanding } from './session-standing.js';

interface StandingRow {
  session_id: string;
  grant_status: string | null;
  grant_expires_at: Date | null;
  identity_found: boolean;
  identity_disabled: boolean;
  token_revoked: boolean | null;
  token_expires_at: Date | null;
}

const STANDING_SQL = `
  SELECT s.session_id::text AS session_id,
         g.status::text AS grant_status, g.expires_at AS grant_expires_at,
         i.id IS NOT NULL AS identity_found, i.disabled_at IS NOT NULL AS identity_disabled,
         CASE WHEN t.id IS NULL THEN NULL ELSE t.revoked_at IS NOT NULL END AS token_revoked, t.expires_at AS token_expires_at
  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[]) AS s(session_id, grant_id, identity_id, token_id)
  LEFT JOIN grants g ON g.id = s.grant_id
  LEFT JOIN identities i ON i.id = s.identity_id
  LEFT JOIN api_tokens t ON t.id = s.token_id`;

@Injectable()
export class SessionStandingRepository {
  constructor(@Inject(PlainSqlPool) private readonly db: PlainSqlPool) {}

  async of(sessions: ReadonlyArray<Pick<LiveSessionInfo, 'id' | 'grantId' | 'identityId' | 'tokenId'>>): Promise<Map<string, SessionStanding>> {
    const rows = await this.db.rows<StandingRow>(STANDING_SQL, [sessions.map((s) => s.id), sessions.map((s) => s.grantId), sessions.map((s) => s.identityId), sessions.map((s) => s.tokenId)]);
    return new Map(
      rows.map((row) => [
        row.session_id,
        {
          grant: row.grant_status !== null && row.grant_expires_at !== null ? { status: row.grant_status, expiresAt: row.grant_expires_at } : null,
          identity: row.identity_found ? { disabled: row.identity_disabled } : null,
          token: row.token_revoked !== null && row.token_expires_at !== null ? { revoked: row.token_revoked, expiresAt: row.token_expires_at } : null,
        },
      ]),
    );
  }
}
