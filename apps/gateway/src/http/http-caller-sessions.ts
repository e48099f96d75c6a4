// One session per caller connection (docs/http.md): the first request on a TCP connection
// admits it through the SessionBroker (token, grant, agent, the agent's pre-flight), later
// requests on the same connection reuse it and must carry the same token for the same
// connection. The session's bytes are HTTP/1.1 between the gateway's own HTTP client (a
// keep-alive agent whose only socket is one end of a duplex pair) and the agent's HTTP server.
// When the session ends (grant over, revoked, shutdown, recording failed) the caller's
// connection is cut, mid-response if need be; when the caller leaves, the session ends.
import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { compileMasker, type Masker } from '@jitgate/masking';
import { resolveGuardrails, type ResolvedGuardrails } from '@jitgate/policy';
import { CloseReason } from '@jitgate/proto';
import { duplexPair } from '@jitgate/tunnel';
import { PolicyService } from '../policy/policy.service.js';
import { SessionEventWriter, type SessionEventLog } from '../session/session-event-writer.js';
import type { SessionEventInput } from '../session/session-event-chain.js';
import { HandshakeRefusal } from '../tunnel/handshake.js';
import { SessionBroker, type AdmittedSession } from '../tunnel/session-broker.service.js';
import { HttpRefusal, type RefusalCode } from './http-refusal.js';
import { HttpMetrics } from './http.metrics.js';

export const HTTP_CONNECTION_TYPES = ['http', 'bigquery', 'gcs', 'cloudrun', 'mcp'] as const;

/** Node's HTTP agent with exactly one socket: the session's end of the pair. */
class SessionAgent extends http.Agent {
  constructor(private readonly socket: Duplex) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  }

  override createConnection(): Duplex {
    return this.socket;
  }
}

export class HttpCallerSession {
  readonly agent: http.Agent;
  private endedBecause: string | undefined;
  private close: (reason: CloseReason, message: string) => void = () => {};

  constructor(
    readonly admitted: AdmittedSession,
    readonly guardrails: ResolvedGuardrails,
    readonly masker: Masker | null,
    private readonly tokenDigest: Buffer,
    private readonly log: SessionEventLog,
    private readonly metrics: HttpMetrics,
    upstream: Duplex,
  ) {
    this.agent = new SessionAgent(upstream);
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

  /** Whether a later request on the connection may use this session. */
  carries(token: string, connection: string): boolean {
    return connection === this.connectionName && timingSafeEqual(digest(token), this.tokenDigest);
  }

  record(event: SessionEventInput): void {
    this.metrics.events.inc({ kind: event.kind, outcome: event.outcome });
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
    this.agent.destroy();
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

@Injectable()
export class HttpCallerSessions {
  private readonly bySocket = new WeakMap<net.Socket, Promise<HttpCallerSession>>();

  constructor(
    @Inject(SessionBroker) private readonly broker: SessionBroker,
    @Inject(PolicyService) private readonly policies: PolicyService,
    @Inject(SessionEventWriter) private readonly writer: SessionEventWriter,
    @Inject(HttpMetrics) private readonly metrics: HttpMetrics,
  ) {}

  /** The caller connection's session, opened by its first request. */
  async forRequest(socket: net.Socket, token: string, connection: string): Promise<HttpCallerSession> {
    let pending = this.bySocket.get(socket);
    if (!pending) {
      pending = this.open(socket, token, connection);
      this.bySocket.set(socket, pending);
      // A refused first request leaves the connection without a session; the next may try again.
      pending.catch(() => this.bySocket.delete(socket));
    }
    const session = await pending;
    if (!session.carries(token, connection)) {
      throw new HttpRefusal(400, 'bad_request', 'every request on one connection must carry the same token for the same connection; open a new connection', true);
    }
    if (session.ended) throw new HttpRefusal(403, 'session_ended', `the session has ended: ${session.ended}`, true);
    return session;
  }

  private async open(socket: net.Socket, token: string, connectionName: string): Promise<HttpCallerSession> {
    const clientAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    const compiled = await this.policies.compiled();
    let admitted: AdmittedSession | undefined;
    try {
      admitted = await this.broker.admit({ token, connectionName, type: HTTP_CONNECTION_TYPES, clientAddress, clientParameters: {} }, socket);
    } catch (error) {
      if (error instanceof HandshakeRefusal) throw new HttpRefusal(error.status, error.code as RefusalCode, error.message);
      throw error;
    }
    if (!admitted) throw new HttpRefusal(499, 'session_ended', 'the caller left while the session opened', true);
    const guardrails = resolveGuardrails(compiled, {
      identity: { id: admitted.principal.identityId, subject: admitted.principal.subject, kind: admitted.principal.kind, groups: admitted.principal.groups, attributes: admitted.principal.attributes },
      connection: { name: admitted.connection.name, type: admitted.connection.type, labels: admitted.connection.labels as Record<string, string> },
      scope: admitted.grantScope,
    });
    const { masking } = guardrails;
    const masks = masking.columns.length + masking.detectors.length + masking.jsonPaths.length > 0;
    const masker = masks ? compileMasker({ columns: masking.columns, detectors: masking.detectors }) : null;

    const [sessionEnd, upstreamEnd] = duplexPair();
    let session: HttpCallerSession | undefined;
    const log = this.writer.open(admitted.info.id, (message) => session?.end(CloseReason.SHUTDOWN, message));
    session = new HttpCallerSession(admitted, guardrails, masker, digest(token), log, this.metrics, upstreamEnd);
    const opened = session;
    opened.record({ at: new Date(), kind: 'notice', outcome: 'info', details: { event: 'session.started', guardrails: guardrails.applied, readOnly: guardrails.http.readOnly, masking } });
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
