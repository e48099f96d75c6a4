import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken, Identity, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../infra/prisma.service.js';

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

@Injectable()
export class TokenRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** The authentication lookup: one probe of the unique index on token_hash. */
  findByHash(tokenHash: string): Promise<(ApiToken & { identity: Identity }) | null> {
    return this.prisma.client.apiToken.findUnique({ where: { tokenHash }, include: { identity: true } });
  }

  create(
    tx: Prisma.TransactionClient,
    token: { identityId: string; name: string; tokenHash: string; prefix: string; expiresAt: Date; createdById: string | null },
  ): Promise<PublicToken> {
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
    const staleBefore = new Date(at.getTime() - 60_000);
    await this.prisma.client.apiToken.updateMany({
      where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: at },
    });
  }
}
