import { Inject, Injectable } from '@nestjs/common';
import type { Identity, IdentityKind, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

export const LOCAL_ISSUER = 'jitgate';

export interface NewIdentity {
  issuer: string;
  subject: string;
  kind: IdentityKind;
  displayName: string;
  groups: string[];
  attributes: Record<string, unknown>;
}

@Injectable()
export class IdentityRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  findById(id: string, db: Db = this.prisma.client): Promise<Identity | null> {
    return db.identity.findUnique({ where: { id } });
  }

  findByIssuerSubject(issuer: string, subject: string, db: Db = this.prisma.client): Promise<Identity | null> {
    return db.identity.findUnique({ where: { issuer_subject: { issuer, subject } } });
  }

  count(db: Db = this.prisma.client): Promise<number> {
    return db.identity.count();
  }

  list(filter: { kind?: IdentityKind; group?: string; afterId?: string; limit: number }): Promise<Identity[]> {
    return this.prisma.client.identity.findMany({
      where: {
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.group ? { groups: { has: filter.group } } : {}),
        ...(filter.afterId ? { id: { gt: filter.afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: filter.limit,
    });
  }

  create(tx: Prisma.TransactionClient, identity: NewIdentity): Promise<Identity> {
    return tx.identity.create({ data: { ...identity, attributes: identity.attributes as Prisma.InputJsonValue } });
  }

  update(tx: Prisma.TransactionClient, id: string, changes: { displayName?: string; groups?: string[]; attributes?: Record<string, unknown>; disabledAt?: Date | null }): Promise<Identity> {
    const { attributes, ...rest } = changes;
    return tx.identity.update({
      where: { id },
      data: { ...rest, ...(attributes ? { attributes: attributes as Prisma.InputJsonValue } : {}) },
    });
  }

  /**
   * Inserts or refreshes an OIDC identity from its verified claims. Two first requests racing
   * end on the same row thanks to the (issuer, subject) unique key.
   */
  async upsertFromClaims(identity: NewIdentity): Promise<Identity> {
    // Most requests carry the same claims as the last one: read first, write only on change.
    const existing = await this.findByIssuerSubject(identity.issuer, identity.subject);
    if (existing && sameClaims(existing, identity)) return existing;
    const attributes = identity.attributes as Prisma.InputJsonValue;
    return this.prisma.client.identity.upsert({
      where: { issuer_subject: { issuer: identity.issuer, subject: identity.subject } },
      create: { ...identity, attributes },
      update: { displayName: identity.displayName, groups: identity.groups, attributes, kind: identity.kind },
    });
  }
}

function sameClaims(existing: Identity, claims: NewIdentity): boolean {
  return (
    existing.kind === claims.kind &&
    existing.displayName === claims.displayName &&
    JSON.stringify(existing.groups) === JSON.stringify(claims.groups) &&
    JSON.stringify(existing.attributes) === JSON.stringify(claims.attributes)
  );
}
