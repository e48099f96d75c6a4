import { Inject, Injectable } from '@nestjs/common';
import { parseDuration, PolicyError } from '@jitgate/policy';
import type { LiveSessionsNotice } from '../../port/access-events.js';
import { AccessEventsPublisher } from '../access-events/access-events.publisher.js';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { TokenCrypto } from '../auth/token-crypto.js';
import { Clock } from '../../platform/clock.js';
import { forbidden, JitgateError, notFound } from '../../platform/errors/jitgate.error.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { IdentityRepository } from './identity.repository.js';
import type { IssueTokenBody } from './identity.schemas.js';
import { TokenRepository, type PublicToken } from './token.repository.js';

@Injectable()
export class TokenService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(TokenCrypto) private readonly crypto: TokenCrypto,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AccessEventsPublisher) private readonly events: AccessEventsPublisher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Issues a token for a local identity. The clear token is returned here, once, and never stored. */
  async issue(caller: Principal, identityId: string, body: IssueTokenBody): Promise<{ token: string; metadata: PublicToken }> {
    const ttlSeconds = this.ttlOf(body.ttl);
    const token = this.crypto.generate();
    const metadata = await this.prisma.transaction(async (tx) => {
      const identity = await this.identities.findById(identityId, tx);
      if (!identity) throw notFound('identity', identityId);
      if (identity.disabledAt) throw new JitgateError('conflict', 'the identity is disabled');
      const created = await this.tokens.create(tx, {
        identityId,
        name: body.name,
        tokenHash: this.crypto.hash(token),
        prefix: this.crypto.displayPrefix(token),
        expiresAt: new Date(this.clock.now().getTime() + ttlSeconds * 1000),
        createdById: caller.identityId,
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'token.issued',
        targetType: 'token',
        targetId: created.id,
        details: { identityId, name: body.name, prefix: created.prefix, expiresAt: created.expiresAt.toISOString() },
      });
      return created;
    });
    return { token, metadata };
  }

  async list(caller: Principal, identityId: string): Promise<PublicToken[]> {
    this.assertSelfOrAdmin(caller, identityId);
    if (!(await this.identities.findById(identityId))) throw notFound('identity', identityId);
    return this.tokens.listForIdentity(identityId);
  }

  /**
   * Revokes the token and ends every live session it opened, on every replica. Revoking again
   * changes nothing in the database but announces the end again: harmless, and a second chance
   * for a message that was lost.
   */
  async revoke(caller: Principal, identityId: string, tokenId: string): Promise<PublicToken & { liveSessions: LiveSessionsNotice }> {
    this.assertSelfOrAdmin(caller, identityId);
    const token = await this.prisma.transaction(async (tx) => {
      const token = await this.tokens.findForIdentity(identityId, tokenId, tx);
      if (!token) throw notFound('token', tokenId);
      const now = this.clock.now();
      if (await this.tokens.revoke(tx, tokenId, now)) {
        await this.audit.record(tx, {
          actor: actorOf(caller),
          action: 'token.revoked',
          targetType: 'token',
          targetId: tokenId,
          details: { identityId, prefix: token.prefix },
        });
        return { ...token, revokedAt: now };
      }
      return token;
    });
    const liveSessions = await this.events.tokenRevoked({ type: 'token.revoked', tokenId, identityId, by: caller.identityId });
    return { ...token, liveSessions };
  }

  private assertSelfOrAdmin(caller: Principal, identityId: string): void {
    if (!caller.isAdmin && caller.identityId !== identityId) throw forbidden('only admins manage the tokens of other identities');
  }

  private ttlOf(ttl: string | number | undefined): number {
    if (ttl === undefined) return this.config.auth.tokenDefaultTtlSeconds;
    let seconds: number;
    try {
      seconds = parseDuration(ttl);
    } catch (error) {
      if (error instanceof PolicyError) throw new JitgateError('validation_failed', `ttl: ${error.message}`);
      throw error;
    }
    if (seconds > this.config.auth.tokenMaxTtlSeconds) {
      throw new JitgateError('validation_failed', `ttl may be at most ${this.config.auth.tokenMaxTtlSeconds} seconds`);
    }
    return seconds;
  }
}
