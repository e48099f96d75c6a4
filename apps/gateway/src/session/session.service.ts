import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { listsEveryone } from '../common/list-scope.js';
import { notFound } from '../common/errors/jitgate.error.js';
import { ConnectionRepository } from '../connection/connection.repository.js';
import { SessionRepository, type SessionWithNames } from './session.repository.js';
import type { ListSessionsQuery } from './session.schemas.js';

/** Reading sessions (REST). Opening and closing them is the data plane's (tunnel/). */
@Injectable()
export class SessionService {
  constructor(
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(ConnectionRepository) private readonly connections: ConnectionRepository,
  ) {}

  async list(caller: Principal, query: ListSessionsQuery): Promise<SessionWithNames[]> {
    const everyone = listsEveryone(caller, query.view);
    const connectionId = query.connection ? await this.connections.idOfName(query.connection) : undefined;
    if (connectionId === null) return [];
    return this.sessions.list({
      identityId: everyone ? query.identity : caller.identityId,
      grantId: query.grant,
      connectionId,
      agentId: query.agent,
      activeOnly: query.active === true,
      afterId: query.after,
      limit: query.limit,
    });
  }

  /** Its identity, admins and auditors; a 404 for anyone else, so ids are not probed. */
  async get(caller: Principal, id: string): Promise<SessionWithNames> {
    const session = await this.sessions.findById(id);
    if (!session || (session.identityId !== caller.identityId && !caller.isAdmin && !caller.isAuditor)) throw notFound('session', id);
    return session;
  }
}
