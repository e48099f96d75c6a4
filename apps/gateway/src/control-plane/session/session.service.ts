import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../port/principal.js';
import { listsEveryone } from '../auth/list-scope.js';
import { notFound } from '../../platform/errors/jitgate.error.js';
import { ConnectionRepository } from '../connection/connection.repository.js';
import { SessionRepository, type SessionWithNames } from './session.repository.js';
import type { ListSessionEventsQuery, ListSessionsQuery } from './session.schemas.js';
import type { SessionEvent } from '@jitgate/db';
import { verifySessionEvents, type ChainedSessionEvent, type SessionEventInput } from '../../port/session-event-chain.js';
import { SessionEventRepository } from './session-event.repository.js';

export interface EventsVerification {
  ok: boolean;
  events: number;
  head: string | null;
  recordedHead: string | null;
  problem?: { seq: number; reason: string };
}

function toChained(row: SessionEvent): ChainedSessionEvent {
  return {
    sessionId: row.sessionId,
    seq: row.seq,
    at: row.at,
    kind: row.kind as SessionEventInput['kind'],
    statement: row.statement,
    parameters: row.parameters as Array<string | null> | null,
    commandTag: row.commandTag,
    rowCount: row.rowCount === null ? null : Number(row.rowCount),
    durationMs: row.durationMs,
    outcome: row.outcome as SessionEventInput['outcome'],
    details: row.details as Record<string, unknown>,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** Reading sessions (REST). Opening and closing them is the data plane's (tunnel/). */
@Injectable()
export class SessionService {
  constructor(
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(ConnectionRepository) private readonly connections: ConnectionRepository,
    @Inject(SessionEventRepository) private readonly events_: SessionEventRepository,
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

  /** The session's recording, in order (who may see the session may see its recording). */
  async events(caller: Principal, id: string, query: ListSessionEventsQuery): Promise<SessionEvent[]> {
    await this.get(caller, id);
    return this.events_.list(id, { afterSeq: query.after, limit: query.limit, kind: query.kind });
  }

  /**
   * Re-computes the session's event chain and compares its head with the one written when the
   * session closed (and into the audit log): an edited, inserted or deleted event shows.
   */
  async verifyEvents(caller: Principal, id: string): Promise<EventsVerification> {
    const session = await this.get(caller, id);
    const chained: ChainedSessionEvent[] = [];
    for (let after = 0; ; ) {
      const page = await this.events_.list(id, { afterSeq: after, limit: 5_000 });
      for (const row of page) chained.push(toChained(row));
      if (page.length < 5_000) break;
      after = page[page.length - 1]!.seq;
    }
    const result = verifySessionEvents(chained);
    const recordedHead = session.eventsHead ?? null;
    if (!result.ok) return { ok: false, events: chained.length, head: null, recordedHead, problem: { seq: result.seq, reason: result.reason } };
    // A closed session names its count and head: events added or removed at the end show here.
    if (recordedHead !== null && (recordedHead !== result.head || session.eventCount !== chained.length)) {
      return { ok: false, events: chained.length, head: result.head, recordedHead, problem: { seq: chained.length, reason: 'head_mismatch' } };
    }
    return { ok: true, events: chained.length, head: result.head, recordedHead };
  }

  /** Its identity, admins and auditors; a 404 for anyone else, so ids are not probed. */
  async get(caller: Principal, id: string): Promise<SessionWithNames> {
    const session = await this.sessions.findById(id);
    if (!session || (session.identityId !== caller.identityId && !caller.isAdmin && !caller.isAuditor)) throw notFound('session', id);
    return session;
  }
}
