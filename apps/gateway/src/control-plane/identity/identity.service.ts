import { Inject, Injectable } from '@nestjs/common';
import type { Identity } from '@jitgate/db';
import type { LiveSessionsNotice } from '../../port/access-events.js';
import { AccessEventsPublisher } from '../access-events/access-events.publisher.js';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { conflict, forbidden, notFound } from '../../platform/errors/jitgate.error.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { IdentityRepository, LOCAL_ISSUER } from './identity.repository.js';
import type { CreateIdentityBody, ListIdentitiesQuery, UpdateIdentityBody } from './identity.schemas.js';

@Injectable()
export class IdentityService {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AccessEventsPublisher) private readonly events: AccessEventsPublisher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  list(query: ListIdentitiesQuery): Promise<Identity[]> {
    return this.identities.list({ ...query, afterId: query.after });
  }

  /** Admins see anyone; others only themselves (and a 404 for anyone else, so ids are not probed). */
  async get(caller: Principal, id: string): Promise<Identity> {
    if (!caller.isAdmin && caller.identityId !== id) throw notFound('identity', id);
    const identity = await this.identities.findById(id);
    if (!identity) throw notFound('identity', id);
    return identity;
  }

  async create(caller: Principal, body: CreateIdentityBody): Promise<Identity> {
    return this.prisma.transaction(async (tx) => {
      if (await this.identities.findByIssuerSubject(LOCAL_ISSUER, body.subject, tx)) {
        throw conflict(`an identity with subject "${body.subject}" already exists`);
      }
      const identity = await this.identities.create(tx, {
        issuer: LOCAL_ISSUER,
        subject: body.subject,
        kind: body.kind,
        displayName: body.displayName ?? body.subject,
        groups: [...new Set(body.groups)],
        attributes: body.attributes,
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'identity.created',
        targetType: 'identity',
        targetId: identity.id,
        details: { subject: identity.subject, kind: identity.kind, groups: identity.groups, attributes: identity.attributes },
      });
      return identity;
    });
  }

  /**
   * Changes an identity. Disabling it ends every live session it has, on every replica (sent
   * again on every `disabled: true`, like a token revoke); `liveSessions` says how.
   */
  async update(caller: Principal, id: string, body: UpdateIdentityBody): Promise<{ identity: Identity; liveSessions?: LiveSessionsNotice }> {
    if (caller.identityId === id && body.disabled === true) throw forbidden('you cannot disable yourself');
    const identity = await this.prisma.transaction(async (tx) => {
      const existing = await this.identities.findById(id, tx);
      if (!existing) throw notFound('identity', id);
      if (existing.issuer !== LOCAL_ISSUER && (body.groups || body.attributes || body.displayName)) {
        // The IdP owns these for OIDC identities; they are refreshed from the claims at every call.
        throw conflict('groups, attributes and displayName of an OIDC identity come from its identity provider');
      }
      const updated = await this.identities.update(tx, id, {
        ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
        ...(body.groups ? { groups: [...new Set(body.groups)] } : {}),
        ...(body.attributes ? { attributes: body.attributes } : {}),
        ...(body.disabled !== undefined ? { disabledAt: body.disabled ? this.clock.now() : null } : {}),
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'identity.updated',
        targetType: 'identity',
        targetId: id,
        details: { changes: body },
      });
      return updated;
    });
    if (body.disabled !== true) return { identity };
    return { identity, liveSessions: await this.events.identityDisabled({ type: 'identity.disabled', identityId: id, by: caller.identityId }) };
  }
}
