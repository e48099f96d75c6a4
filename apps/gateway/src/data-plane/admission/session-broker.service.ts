// Turns a client's handshake into a session (docs/tunnel.md, "Clients"): who is it, which
// connection, is there a grant in force, which tunnel carries it, did the agent reach the
// target. Then the row and its audit event, the 200 line, and the bytes.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Connection } from '@jitgate/db';
import { formatHandshakeOk, GATEWAY_PARAMETER_PREFIX, type ConnectionType, type HandshakeRequest } from '@jitgate/contracts';
import { CloseReason, type PostgresLogin } from '@jitgate/proto';
import type { LocalEnd } from '@jitgate/tunnel';
import { SYSTEM_ACTOR } from '../../port/actor.js';
import { CONTROL_PLANE, type ControlPlane } from '../../port/control-plane.port.js';
import type { Principal } from '../../port/principal.js';
import type { ClosedSession } from '../../port/session-records.js';
import { Clock } from '../../platform/clock.js';
import { JitgateError } from '../../platform/errors/jitgate.error.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { AgentRegistry } from '../tunnel/agent-registry.js';
import { AdmissionRefusal, asAdmissionRefusal } from './admission-refusal.js';
import { retryWhileUnavailable } from '../../platform/database/retry-while-unavailable.js';
import { OVERLOADED_MESSAGE, OverloadGuard } from '../../platform/overload/overload-guard.js';
import { LiveSession, type LiveSessionInfo, type SessionSummary } from '../live/live-session.js';
import type { SessionChannel } from '../tunnel/session-channel.js';
import { LiveSessions } from '../live/live-sessions.js';
import { TunnelMetrics } from '../tunnel/tunnel.metrics.js';

export interface AdmissionRequest {
  token: string;
  connectionName: string;
  /** The connection types this listener serves (a postgres connection is never raw TCP). */
  type: ConnectionType | readonly ConnectionType[];
  clientAddress: string;
  /** Protocol options for the agent (already filtered by the listener); never a credential. */
  clientParameters: Record<string, string>;
  /**
   * The gateway's own parameters for the agent (`jitgate.*`), once the caller, connection and
   * grant are known (the policy's Google identity for the session, docs/http.md).
   */
  gatewayParameters?: (admitted: { principal: Principal; connection: Connection; grantScope: string | null }) => Record<string, string>;
  /**
   * Checks what the agent reported of the target (postgres: the role it logged in as) before the
   * session is recorded; a AdmissionRefusal thrown here refuses the session.
   */
  checkOpened?: (opened: { postgresLogin: PostgresLogin | undefined }) => void;
}

export interface SessionHooks {
  onEnd?(summary: SessionSummary): void;
  recording?(): Promise<{ count: number; head: string }>;
}

/** A session whose row is written and whose agent is ready: `start` sets the bytes moving. */
export interface AdmittedSession {
  info: LiveSessionInfo;
  principal: Principal;
  connection: Connection;
  grantScope: string | null;
  channel: SessionChannel;
  sendWindow: number;
  /** postgres: who the agent logged in as on the server (SessionOpened.postgres_login). */
  postgresLogin: PostgresLogin | undefined;
}

/** How long the agent may take to reach the target (docs/tunnel.md §3). */
export const SESSION_OPEN_TIMEOUT_MS = 10_000;

@Injectable()
export class SessionBroker {
  private readonly logger = new Logger('SessionBroker');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane,
    @Inject(AgentRegistry) private readonly registry: AgentRegistry,
    @Inject(LiveSessions) private readonly live: LiveSessions,
    @Inject(TunnelMetrics) private readonly metrics: TunnelMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OverloadGuard) private readonly overload: OverloadGuard,
  ) {}

  /**
   * Opens the session, writes `JITGATE/1 200 <id>` and starts the bytes; returns the session id,
   * or undefined when the client left while it was being opened. Refusals are thrown as
   * AdmissionRefusal for the listener to answer.
   */
  async connect(socket: Duplex, request: HandshakeRequest, clientAddress: string): Promise<string | undefined> {
    const admitted = await this.admit({ token: request.token, connectionName: request.connection, type: 'tcp', clientAddress, clientParameters: {} }, socket);
    if (!admitted) return undefined;
    socket.write(formatHandshakeOk(admitted.info.id));
    this.start(admitted, socket);
    return admitted.info.id;
  }

  /**
   * Everything before the first byte (docs/tunnel.md, "Clients"): who is it, which connection of
   * `type`, is a grant in force, which tunnel, did the agent reach the target (and, for postgres,
   * log in), then the session row. Returns undefined when `client` left meanwhile; refusals are
   * AdmissionRefusals, which each listener answers in its own protocol.
   */
  async admit(request: AdmissionRequest, client: Duplex): Promise<AdmittedSession | undefined> {
    // New sessions are the first work shed when memory runs short; live ones go on.
    const overloaded = this.overload.memoryReason();
    if (overloaded) {
      this.overload.shed(typeof request.type === 'string' ? request.type : 'http', overloaded);
      throw new AdmissionRefusal(503, 'unavailable', OVERLOADED_MESSAGE);
    }
    const admissionStartedAt = performance.now();
    const principal = await this.authenticate(request.token);
    const connection = await this.controlPlane.connection(request.connectionName);
    // Each protocol has its listener: a postgres connection is never carried as raw TCP.
    const types: readonly string[] = typeof request.type === 'string' ? [request.type] : request.type;
    if (!connection || connection.archivedAt || !types.includes(connection.type)) {
      throw new AdmissionRefusal(404, 'not_found', `no ${types.join(' or ')} connection named "${request.connectionName}"`);
    }
    const grant = await this.controlPlane.grantInForce(principal.identityId, connection.name);
    if (!grant || this.live.hasEnded('grant', grant.id)) {
      throw new AdmissionRefusal(403, 'no_grant', `no grant in force for ${principal.subject} on "${connection.name}"`);
    }

    const sessionId = randomUUID();
    const clientParameters = Object.fromEntries(Object.entries(request.clientParameters).filter(([name]) => !name.startsWith(GATEWAY_PARAMETER_PREFIX)));
    Object.assign(clientParameters, request.gatewayParameters?.({ principal, connection, grantScope: grant.scope }));
    const tunnel = this.registry.pick(connection.name, connection.agentGroup);
    const channel = tunnel?.openChannel({
      sessionId,
      connection: connection.name,
      grantId: grant.id,
      grantExpiresAt: grant.expiresAt,
      scope: grant.scope ?? '',
      clientParameters,
    });
    if (!tunnel?.peer || !channel) {
      throw new AdmissionRefusal(503, 'no_agent', `no agent of group "${connection.agentGroup}" serving "${connection.name}" is connected to this gateway`);
    }
    const opened = await channel.waitOpened(SESSION_OPEN_TIMEOUT_MS);
    if (!opened.ok) throw new AdmissionRefusal(502, 'target_unreachable', opened.error);
    try {
      request.checkOpened?.({ postgresLogin: opened.postgresLogin });
    } catch (error) {
      channel.close(CloseReason.NOT_PERMITTED, error instanceof Error ? error.message : 'the session was refused');
      throw error;
    }
    if (client.destroyed) {
      channel.close(CloseReason.CLIENT_CLOSED, 'the client left before the session opened');
      return undefined;
    }
    if (this.live.hasEnded('grant', grant.id)) {
      channel.close(CloseReason.GRANT_REVOKED, 'the grant ended while the session opened');
      throw new AdmissionRefusal(403, 'no_grant', 'the grant ended while the session opened');
    }

    const info: LiveSessionInfo = {
      id: sessionId,
      identityId: principal.identityId,
      identityKind: principal.kind,
      tokenId: principal.tokenId,
      admissionStartedAt,
      grantId: grant.id,
      grantExpiresAt: grant.expiresAt,
      connectionId: connection.id,
      connectionName: connection.name,
      agentId: tunnel.peer.agentId,
      tunnelId: tunnel.id,
      clientAddress: request.clientAddress,
      startedAt: this.clock.now(),
    };
    try {
      await this.controlPlane.sessionOpened({
        ...info,
        actor: { id: principal.identityId, kind: principal.kind },
        agentName: tunnel.peer.agentName,
        gatewayId: this.config.tunnel.gatewayId,
      });
    } catch (error) {
      // No row, no session: a session nobody can audit is not opened.
      this.logger.error({ sessionId, err: error }, 'could not record a session');
      channel.close(CloseReason.SHUTDOWN, 'the gateway could not record the session');
      this.closeUnopened(info);
      throw asAdmissionRefusal(error) ?? new AdmissionRefusal(500, 'internal', 'the gateway could not record the session');
    }
    return { info, principal, connection, grantScope: grant.scope, channel, sendWindow: opened.sendWindow, postgresLogin: opened.postgresLogin };
  }

  /**
   * Bytes flow from here on, between `socket` (the client's, or a protocol's own local end in
   * front of it, such as the postgres session) and the agent. `hooks.onEnd` hears the end before the socket is destroyed, so that a
   * protocol can say goodbye in its own words; `hooks.recording` completes the session's
   * recording before its close is written.
   */
  start(admitted: AdmittedSession, socket: Duplex | LocalEnd, hooks: SessionHooks = {}): LiveSession {
    const { info, channel } = admitted;
    const session = new LiveSession(info, channel, {
      now: () => this.clock.now(),
      onEnd: (ended, summary) => {
        hooks.onEnd?.(summary);
        this.ended(ended, summary, hooks.recording);
      },
    });
    this.metrics.sessionsOpened.inc();
    this.metrics.sessionsActive.inc();
    this.logger.log({ sessionId: info.id, grantId: info.grantId, agentId: info.agentId, connection: info.connectionName, identityId: info.identityId }, 'session opened');
    session.start(socket, admitted.sendWindow);
    // After start, in the same tick: a grant that ended during the row's write closes it now.
    this.live.add(session);
    return session;
  }

  private async authenticate(token: string): Promise<Principal> {
    try {
      return await this.controlPlane.authenticate(token);
    } catch (error) {
      if (error instanceof JitgateError && error.code === 'unauthenticated') throw new AdmissionRefusal(401, 'unauthenticated', error.message);
      if (error instanceof JitgateError && error.code === 'unavailable') throw new AdmissionRefusal(503, 'unavailable', error.message);
      throw error;
    }
  }

  /**
   * The database may have stored the session's row before the answer was lost (a connection cut
   * at COMMIT): close it, so that no row of a session that never ran is left open on a live
   * replica. Nothing is written when there is no such row.
   */
  private closeUnopened(info: LiveSessionInfo): void {
    const closed = this.endOf(info, this.clock.now(), { endReason: 'not_recorded', endedBy: 'local', actor: SYSTEM_ACTOR, bytesUp: 0, bytesDown: 0 });
    this.live.track(this.storeEnd(closed).catch((error: unknown) => this.logger.error({ sessionId: info.id, err: error }, 'could not close the row of a session that was not opened')));
  }

  /** The end of a session as its row keeps it. */
  private endOf(info: LiveSessionInfo, endedAt: Date, end: Pick<ClosedSession, 'endReason' | 'endedBy' | 'actor' | 'bytesUp' | 'bytesDown' | 'events'>): ClosedSession {
    return { id: info.id, identityId: info.identityId, grantId: info.grantId, connectionName: info.connectionName, endedAt, durationMs: endedAt.getTime() - info.startedAt.getTime(), ...end };
  }

  /** Writes a session's end, and again while the database is out of reach, until shutdown stops waiting. */
  private storeEnd(closed: ClosedSession): Promise<void> {
    return retryWhileUnavailable(
      () => this.controlPlane.sessionClosed(closed),
      this.live.storing.signal,
      (attempt) => {
        if (attempt === 1) this.logger.warn({ sessionId: closed.id }, 'the end of a session waits for the database to be back');
      },
    );
  }

  private ended(session: LiveSession, summary: SessionSummary, recording?: () => Promise<{ count: number; head: string }>): void {
    const { info } = session;
    this.live.remove(session);
    this.metrics.sessionsActive.dec();
    this.metrics.sessionsClosed.inc({ reason: summary.reason });
    const endedAt = this.clock.now();
    const byClient = summary.reason === 'client_closed' && summary.by === 'local';
    this.logger.log({ sessionId: info.id, grantId: info.grantId, reason: summary.reason, endedBy: summary.endedBy, message: summary.message }, 'session closed');
    const events = recording
      ? recording().catch((error: unknown) => {
          this.logger.error({ sessionId: info.id, err: error }, 'could not complete the recording of a session');
          return undefined;
        })
      : Promise.resolve(undefined);
    const record = events
      .then((recorded) =>
        this.storeEnd(
          this.endOf(info, endedAt, {
            endReason: summary.reason,
            endedBy: summary.endedBy,
            actor: byClient ? { id: info.identityId, kind: info.identityKind } : SYSTEM_ACTOR,
            bytesUp: summary.stats.bytesFromSocket,
            bytesDown: summary.stats.bytesToSocket,
            ...(recorded ? { events: recorded } : {}),
          }),
        ),
      )
      .catch((error: unknown) => this.logger.error({ sessionId: info.id, err: error }, 'could not record the end of a session'));
    this.live.track(record);
  }
}
