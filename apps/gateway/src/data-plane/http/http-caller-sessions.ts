// One session per caller connection and (token, connection) pair (docs/http.md): the first
// such request on a TCP connection admits it through the SessionBroker (token, grant, agent, the
// agent's pre-flight); later ones reuse it. Clients that pool connections (fetch, the Google
// libraries) may send another identity's request on the same socket: that is another session.
// The session's bytes are frames (@jitgate/http-session): each request is an exchange of heads
// and body frames between this end of a duplex pair and the agent's exchange server.
// The token is checked once, when the session opens; when the session ends (grant over or
// revoked, the token revoked or expired, the identity disabled, shutdown, recording failed) the
// caller's connection is cut, mid-response if need be; when the caller leaves, the session ends.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { compileMasker, type Masker } from '@jitgate/masking';
import { resolveGuardrails, type ResolvedGuardrails } from '@jitgate/policy';
import type { Connection } from '@jitgate/db';
import { CloseReason } from '@jitgate/proto';
import type { Principal } from '../../port/principal.js';
import { duplexPair } from '@jitgate/tunnel';
import { GCP_ACCOUNT_PARAMETER, GCP_SCOPES_PARAMETER, HTTP_CONNECTION_TYPES, type HttpRefusalCode } from '@jitgate/contracts';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL, HttpExchangeClient } from '@jitgate/http-session';
import { CONTROL_PLANE, type ControlPlane } from '../../port/control-plane.port.js';
import { SessionEventWriter, type SessionEventLog } from '../recording/session-event-writer.js';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import { asAdmissionRefusal } from '../admission/admission-refusal.js';
import { SessionBroker, type AdmittedSession } from '../admission/session-broker.service.js';
import { HttpRefusal } from './http-refusal.js';
import { HttpMetrics } from './http.metrics.js';

export class HttpCallerSession {
  private static readonly logger = new Logger('HttpSession');
  readonly exchanges: HttpExchangeClient;
  private endedBecause: string | undefined;
  private close: (reason: CloseReason, message: string) => void = () => {};

  constructor(
    readonly admitted: AdmittedSession,
    readonly guardrails: ResolvedGuardrails,
    readonly masker: Masker | null,
    private readonly log: SessionEventLog,
    private readonly metrics: HttpMetrics,
    upstream: Duplex,
  ) {
    this.exchanges = new HttpExchangeClient(upstream, {
      onBreach: (message) => HttpCallerSession.logger.warn({ session: admitted.info.id, reason: message }, 'the agent broke the HTTP session protocol; session closed'),
    });
  }

  get id(): string {
    return this.admitted.info.id;
  }

  get connectionName(): string {
    return this.admitted.connection.name;
  }

  get ended(): string | undefined {
    return this.endedBecause;
  }

  record(event: SessionEventInput): void {
    this.metrics.event(event.kind, event.outcome).inc();
    const masked = event.details?.['maskedValues'];
    if (typeof masked === 'number' && masked > 0) this.metrics.maskedValues.inc(masked);
    this.log.append(event);
  }

  end(reason: CloseReason, message: string): void {
    this.close(reason, message);
  }

  /** @internal wiring by HttpCallerSessions */
  bind(close: (reason: CloseReason, message: string) => void): void {
    this.close = close;
  }

  /** @internal */
  markEnded(message: string): void {
    this.endedBecause ??= message;
    this.exchanges.destroy();
  }
}

function sessionParameters(guardrails: ResolvedGuardrails): Record<string, string> {
  const gcp = guardrails.gcp;
  // The protocol is named so that an agent of another version refuses the session clearly.
  const protocol = { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL };
  if (!gcp) return protocol;
  return {
    ...protocol,
    ...(gcp.serviceAccount ? { [GCP_ACCOUNT_PARAMETER]: gcp.serviceAccount } : {}),
    ...(gcp.scopes ? { [GCP_SCOPES_PARAMETER]: gcp.scopes.join(' ') } : {}),
  };
}

/** The most JSON paths the masking package applies to one value. */
const MAX_JSON_PATHS = 100;

/**
 * Guardrails this gateway can apply in full, or a refusal before anything is opened: the masking
 * package applies at most MAX_JSON_PATHS paths, and masking fewer than policy says would leak.
 */
function applicable(guardrails: ResolvedGuardrails): ResolvedGuardrails {
  const paths = new Set([...guardrails.masking.jsonPaths, ...guardrails.http.mcp.flatMap((m) => m.policy.masking?.paths ?? [])]);
  if (paths.size > MAX_JSON_PATHS) throw new HttpRefusal(403, 'blocked', `the guardrails in force name ${paths.size} JSON paths to mask; the gateway applies at most ${MAX_JSON_PATHS}`, true);
  return guardrails;
}

/** Distinct (token, connection) sessions one caller connection may hold. */
const MAX_SESSIONS_PER_SOCKET = 8;

/** An admission refusal (or the database out of reach) as the caller's HTTP answer; anything else goes on up. */
function refuseAsHttp(error: unknown): never {
  const refusal = asAdmissionRefusal(error);
  if (refusal) throw new HttpRefusal(refusal.status, refusal.code as HttpRefusalCode, refusal.message);
  throw error;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

@Injectable()
export class HttpCallerSessions {
  private readonly bySocket = new WeakMap<net.Socket, Map<string, Promise<HttpCallerSession>>>();

  constructor(
    @Inject(SessionBroker) private readonly broker: SessionBroker,
    @Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane,
    @Inject(SessionEventWriter) private readonly writer: SessionEventWriter,
    @Inject(HttpMetrics) private readonly metrics: HttpMetrics,
  ) {}

  /** The caller connection's session, opened by its first request. */
  async forRequest(socket: net.Socket, token: string, connection: string): Promise<HttpCallerSession> {
    let sessions = this.bySocket.get(socket);
    if (!sessions) {
      sessions = new Map();
      this.bySocket.set(socket, sessions);
    }
    const key = `${connection}:${digest(token).toString('hex')}`;
    let pending = sessions.get(key);
    if (!pending) {
      if (sessions.size >= MAX_SESSIONS_PER_SOCKET) throw new HttpRefusal(400, 'bad_request', `at most ${MAX_SESSIONS_PER_SOCKET} identities or connections per caller connection; open a new connection`, true);
      pending = this.open(socket, token, connection);
      sessions.set(key, pending);
      // A refused request leaves no session behind; the next may try again.
      const owner = sessions;
      pending.catch(() => owner.delete(key));
    }
    const session = await pending;
    if (session.ended) throw new HttpRefusal(403, 'session_ended', `the session has ended: ${session.ended}`, true);
    return session;
  }

  private async open(socket: net.Socket, token: string, connectionName: string): Promise<HttpCallerSession> {
    const clientAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    const compiled = await this.controlPlane.guardrails().catch(refuseAsHttp);
    let guardrails: ResolvedGuardrails | undefined;
    const resolve = ({ principal, connection, grantScope }: { principal: Principal; connection: Connection; grantScope: string | null }): ResolvedGuardrails =>
      (guardrails ??= applicable(
        resolveGuardrails(compiled, {
          identity: { id: principal.identityId, subject: principal.subject, kind: principal.kind, groups: principal.groups, attributes: principal.attributes },
          connection: { name: connection.name, type: connection.type, labels: connection.labels as Record<string, string> },
          scope: grantScope,
        }),
      ));
    // The guardrails are resolved before the agent is asked, so that it mints for the right account.
    const admitted = await this.broker
      .admit({ token, connectionName, type: HTTP_CONNECTION_TYPES, clientAddress, clientParameters: {}, gatewayParameters: (ctx) => sessionParameters(resolve(ctx)) }, socket)
      .catch(refuseAsHttp);
    if (!admitted) throw new HttpRefusal(499, 'session_ended', 'the caller left while the session opened', true);
    const resolved = guardrails ?? resolve(admitted);
    const { masking } = resolved;

    const masks = masking.columns.length + masking.detectors.length + masking.jsonPaths.length > 0;
    const masker = masks ? compileMasker({ columns: masking.columns, detectors: masking.detectors }) : null;

    const [sessionEnd, upstreamEnd] = duplexPair();
    let session: HttpCallerSession | undefined;
    const log = this.writer.open(admitted.info.id, (message) => session?.end(CloseReason.SHUTDOWN, message));
    session = new HttpCallerSession(admitted, resolved, masker, log, this.metrics, upstreamEnd);
    const opened = session;
    opened.record({
      at: new Date(),
      kind: 'notice',
      outcome: 'info',
      details: { event: 'session.started', guardrails: resolved.applied, readOnly: resolved.http.readOnly, masking, ...(resolved.gcp ? { gcp: resolved.gcp } : {}) },
    });
    const live = this.broker.start(admitted, sessionEnd, {
      onEnd: (summary) => {
        opened.markEnded(summary.message || summary.reason);
        // The grant's end cuts the caller's connection, even in the middle of a response.
        socket.destroy();
      },
      recording: () => log.close(),
    });
    opened.bind((reason, message) => live.close(reason, message));
    socket.once('close', () => sessionEnd.destroy());
    return opened;
  }
}
