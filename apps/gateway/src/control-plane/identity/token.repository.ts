import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken, Identity, IdentityKind, Prisma } from '@jitgate/db';
import { PlainSqlPool } from '../../platform/database/plain-sql-pool.js';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

/** What a listing shows: never the hash. */
export const TOKEN_PUBLIC_FIELDS = {
  id: true,
  identityId: true,
  name: true,
  prefix: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdById: true,
  createdAt: true,
} as const;

export type PublicToken = Omit<ApiToken, 'tokenHash'>;

/** last_used_at is kept to the minute: a write on every request would cost more than it tells. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

interface TokenWithIdentityRow {
  id: string;
  identity_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_by_id: string | null;
  created_at: Date;
  issuer: string;
  subject: string;
  kind: IdentityKind;
  display_name: string;
  groups: string[];
  attributes: Prisma.JsonValue;
  disabled_at: Date | null;
  identity_created_at: Date;
  identity_updated_at: Date;
}

@Injectable()
export class TokenRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(PlainSqlPool) private readonly hotPath: PlainSqlPool,
  ) {}

  /**
   * The authentication lookup, on every API call: one probe of the unique index on token_hash,
   * joined to the identity in the same statement (Prisma would load the `include` with a second
   * round trip), on the plain SQL pool (platform/database/plain-sql-pool.ts; bench/README.md).
   */
  async findByHash(tokenHash: string): Promise<(ApiToken & { identity: Identity }) | null> {
    const rows = await this.hotPath.rows<TokenWithIdentityRow>(
      `SELECT t.id, t.identity_id, t.name, t.token_hash, t.prefix, t.expires_at, t.revoked_at, t.last_used_at,
              t.created_by_id, t.created_at, i.issuer, i.subject, i.kind::text AS kind, i.display_name, i.groups,
              i.attributes, i.disabled_at, i.created_at AS identity_created_at, i.updated_at AS identity_updated_at
       FROM api_tokens t JOIN identities i ON i.id = t.identity_id
       WHERE t.token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      identityId: row.identity_id,
      name: row.name,
      tokenHash: row.token_hash,
      prefix: row.prefix,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      lastUsedAt: row.last_used_at,
      createdById: row.created_by_id,
      createdAt: row.created_at,
      identity: {
        id: row.identity_id,
        issuer: row.issuer,
        subject: row.subject,
        kind: row.kind,
        displayName: row.display_name,
        groups: row.groups,
        attributes: row.attributes,
        disabledAt: row.disabled_at,
        createdAt: row.identity_created_at,
        updatedAt: row.identity_updated_at,
      },
    };
  }

  create(tx: Prisma.TransactionClient, token: { identityId: string; name: string; tokenHash: string; prefix: string; expiresAt: Date; createdById: string | null }): Promise<PublicToken> {
    return tx.apiToken.create({ data: token, select: TOKEN_PUBLIC_FIELDS });
  }

  listForIdentity(identityId: string, db: Db = this.prisma.client): Promise<PublicToken[]> {
    return db.apiToken.findMany({ where: { identityId }, select: TOKEN_PUBLIC_FIELDS, orderBy: { createdAt: 'asc' } });
  }

  findForIdentity(identityId: string, tokenId: string, db: Db = this.prisma.client): Promise<PublicToken | null> {
    return db.apiToken.findFirst({ where: { id: tokenId, identityId }, select: TOKEN_PUBLIC_FIELDS });
  }

  /** Returns false when the token was already revoked (so the second call changes nothing). */
  async revoke(tx: Prisma.TransactionClient, tokenId: string, at: Date): Promise<boolean> {
    const result = await tx.apiToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: at } });
    return result.count === 1;
  }

  /** Best effort, at most once a minute per token: a write on every request would cost more than it tells. */
  async touch(tokenId: string, at: Date): Promise<void> {
    const staleBefore = new Date(at.getTime() - TOKEN_TOUCH_INTERVAL_MS);
    await this.prisma.client.apiToken.updateMany({
      where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: at },
    });
  }
}
