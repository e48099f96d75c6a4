// A postgres session from login to its end (docs/postgres.md): log in at the gateway with a
// token, admit through the SessionBroker (grant, agent, the agent's own login to the server),
// resolve the session's guardrails and masking once (a read-only one is opened read-only on the
// server too, and the agent's role there is recorded), then relay message by message: PgSession
// is the tunnel pipe's local end. Refusals are FATAL ErrorResponses with the SQLSTATE a client expects.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { compileMasker, type Masker } from '@jitgate/masking';
import { READ_ONLY_PARAMETER_VALUE, READ_ONLY_SESSION_PARAMETER } from '@jitgate/contracts';
import { encodeAuthenticationOk, encodeErrorResponse, MessageReader, pinnedSettings, privilegesOf } from '@jitgate/pgwire';
import { resolveGuardrails, type ResolvedGuardrails } from '@jitgate/policy';
import { CloseReason } from '@jitgate/proto';
import { initSqlGuard } from '@jitgate/sql-guard';
import { CONTROL_PLANE, type ControlPlane } from '../../port/control-plane.port.js';
import { TooManyHeld } from '../../port/holds.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { SessionEventWriter } from '../recording/session-event-writer.js';
import { asAdmissionRefusal } from '../admission/admission-refusal.js';
import { SessionBroker, type AdmittedSession } from '../admission/session-broker.service.js';
import type { Principal } from '../../port/principal.js';
import type { Connection } from '@jitgate/db';
import { PgCancelKeys } from './pg-cancel-keys.js';
import { PgMetrics } from './pg.metrics.js';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import { ClientMessages } from './pg-client-messages.js';
import type { HeldDecision, HoldRequest } from './pg-statement-decisions.js';
import { PgConversation } from './pg-conversation.js';
import { PgSessionCatalog } from './pg-session-catalog.js';
import { farewellFor, sqlstateOf } from './pg-errors.js';
import { ServerMessages } from './pg-server-messages.js';
import { PgSession } from './pg-session.js';
import { checkServerLogin, serverRoleDetails } from './pg-server-login.js';
import { negotiateStartup, StartupRefusal } from './pg-startup.js';
import { StatementGuard } from './pg-statement-guard.js';

/** How long a refused client may take to read its error before the socket is destroyed. */
const LINGER_MS = 1_000;

@Injectable()
export class PgSessions {
  private readonly logger = new Logger('PgSessions');
  private secureContext: tls.SecureContext | null = null;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(SessionBroker) private readonly broker: SessionBroker,
    @Inject(CONTROL_PLANE) private readonly controlPlane: ControlPlane,
    @Inject(SessionEventWriter) private readonly writer: SessionEventWriter,
    @Inject(PgCancelKeys) private readonly cancelKeys: PgCancelKeys,
    @Inject(PgMetrics) private readonly metrics: PgMetrics,
  ) {}

  /** Loads the SQL parser and the TLS files before the first client. */
  async prepare(): Promise<void> {
    await initSqlGuard();
    const files = this.config.postgres.tls;
    if (files) this.secureContext = tls.createSecureContext({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) });
  }

  /** Resolves once the session runs (or was refused); the session goes on by itself. */
  async serve(socket: net.Socket): Promise<void> {
    const clientAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    let client: Duplex = socket;
    try {
      const startup = await negotiateStartup(socket, this.secureContext);
      if (startup.kind === 'cancel') {
        this.metrics.logins.inc({ result: 'cancel' });
        this.cancelKeys.cancel(startup.processId, startup.secretKey);
        socket.destroy();
        return;
      }
      client = startup.socket;
      const compiled = await this.controlPlane.guardrails();
      // Resolved once the caller, connection and grant are known, before the agent dials: a
      // read-only session (its grant's scope or a guardrail) is opened read-only on the server.
      let resolved: ResolvedGuardrails | undefined;
      const guardrailsOf = (ctx: { principal: Principal; connection: Connection; grantScope: string | null }): ResolvedGuardrails =>
        (resolved ??= resolveGuardrails(compiled, {
          identity: { id: ctx.principal.identityId, subject: ctx.principal.subject, kind: ctx.principal.kind, groups: ctx.principal.groups, attributes: ctx.principal.attributes },
          connection: { name: ctx.connection.name, type: ctx.connection.type, labels: ctx.connection.labels as Record<string, string> },
          scope: ctx.grantScope,
        }));
      const admitted = await this.broker.admit(
        {
          token: startup.token,
          connectionName: startup.database,
          type: 'postgres',
          clientAddress,
          clientParameters: startup.parameters,
          gatewayParameters: (ctx): Record<string, string> => (guardrailsOf(ctx).sql.readOnly ? { [READ_ONLY_SESSION_PARAMETER]: READ_ONLY_PARAMETER_VALUE } : {}),
          // Fails closed: with no resolution (never the case) the session counts as read-only.
          checkOpened: ({ postgresLogin }) => checkServerLogin(resolved?.sql.readOnly ?? true, postgresLogin),
        },
        client,
      );
      if (!admitted) {
        this.metrics.logins.inc({ result: 'client_left' });
        return;
      }
      const guardrails = guardrailsOf(admitted);
      startup.reader.setMaxMessageBytes(this.config.postgres.maxClientMessageBytes);
      this.run(admitted, client, startup.reader, guardrails, startup.user);
      this.metrics.logins.inc({ result: 'ok' });
    } catch (error) {
      if (error instanceof StartupRefusal && error.socket) client = error.socket;
      this.refuse(client, error);
    }
  }

  private run(admitted: AdmittedSession, client: Duplex, clientReader: MessageReader, guardrails: ResolvedGuardrails, clientUser: string): void {
    const sessionId = admitted.info.id;
    const { masking } = guardrails;
    const masker: Masker | null = masking.columns.length + masking.detectors.length > 0 ? compileMasker({ columns: masking.columns, detectors: masking.detectors }) : null;
    // Created below, once its two protocol halves exist; they only call it once bytes flow.
    let session: PgSession | undefined;
    // Set once the session runs; everything that ends it goes through the live session.
    let end: (reason: CloseReason, message: string) => void = () => session?.destroy();
    const stored = this.writer.open(sessionId, (message) => end(CloseReason.SHUTDOWN, message));
    const log = {
      append: (event: SessionEventInput) => {
        this.metrics.eventCounter(event.kind, event.outcome).inc();
        const masked = event.details?.['maskedValues'];
        if (typeof masked === 'number') this.metrics.maskedValues.inc(masked);
        stored.append(event);
      },
      close: () => stored.close(),
    };
    const held = new AbortController();
    const key = this.cancelKeys.issue(() => admitted.channel.cancel());
    const wall = () => new Date();
    const catalog = new PgSessionCatalog();
    const conversation = new PgConversation(catalog, (event) => log.append(event), { now: () => performance.now(), wall });
    const pins = pinnedSettings(guardrails.sql.readOnly);
    const serverSide = new ServerMessages(conversation, { masker, pins, clientUser, record: (event) => log.append(event), toClient: (bytes) => session?.toClient(bytes), backendKey: key, wall });
    const clientSide = new ClientMessages(conversation, catalog, {
      guard: new StatementGuard(guardrails, masker, pins),
      masker,
      record: (event) => log.append(event),
      hold: (request) => this.hold(admitted, guardrails, request, held.signal),
      toServer: (bytes) => session?.toServer(bytes),
      refuse: (nonce, refusal) => serverSide.refuse(nonce, refusal),
      wall,
    });
    const serverRole = serverRoleDetails(admitted.postgresLogin);
    log.append({
      at: wall(),
      kind: 'notice',
      outcome: 'info',
      details: { event: 'session.started', guardrails: guardrails.applied, readOnly: guardrails.sql.readOnly, masking, serverRole, pinnedSettings: pinnedSettings(guardrails.sql.readOnly) },
    });
    const privileges = admitted.postgresLogin ? privilegesOf(admitted.postgresLogin) : [];
    if (privileges.length > 0) {
      this.logger.warn(
        { sessionId, connection: admitted.connection.name, role: serverRole?.role, privileges },
        'the agent logged in to the server as a privileged role: the database does not limit this session (docs/security.md)',
      );
    }

    client.write(encodeAuthenticationOk());
    const pg = new PgSession({
      client,
      clientReader,
      serverReader: new MessageReader({ maxMessageBytes: this.config.postgres.maxServerMessageBytes }),
      clientSide,
      serverSide,
      inFlight: () => conversation.serving !== undefined,
    });
    session = pg;
    const live = this.broker.start(admitted, pg, {
      onEnd: (summary) => {
        held.abort();
        this.cancelKeys.forget(key.processId);
        const farewell = farewellFor(summary.reason, summary.message);
        if (farewell) pg.sayFarewell(farewell);
      },
      recording: () => log.close(),
    });
    end = (reason, message) => live.close(reason, message);
    pg.onFailure = (message) => live.close(CloseReason.PROTOCOL_ERROR, message);
    // Only now, with every end wired to the live session: what login left, then the client.
    pg.open();
  }

  private async hold(admitted: AdmittedSession, guardrails: ResolvedGuardrails, request: HoldRequest, signal: AbortSignal): Promise<HeldDecision> {
    const { statement, parameters, classes, reason, prepared } = request;
    const approvals = guardrails.sql.approvals;
    if (!approvals) return { requestId: 'none', status: 'denied' };
    const timeoutSeconds = guardrails.sql.approvalTimeoutSeconds ?? this.config.postgres.approvalTimeoutSeconds;
    const { info } = admitted;
    let requestId: string;
    try {
      requestId = await this.controlPlane.hold({
        sessionId: info.id,
        identityId: info.identityId,
        identityKind: info.identityKind,
        connectionId: info.connectionId,
        grantId: info.grantId,
        statement,
        parameters,
        prepared,
        classes,
        rule: approvals.rule,
        approvals: { count: approvals.count, groups: approvals.groups },
        timeoutSeconds,
      });
    } catch (error) {
      if (error instanceof TooManyHeld) return { requestId: null, status: 'refused', message: error.message };
      throw error;
    }
    this.logger.log({ sessionId: info.id, requestId, classes, reason }, 'statement held for approval');
    return this.controlPlane.waitFor(requestId, timeoutSeconds, signal);
  }

  private refuse(client: Duplex, error: unknown): void {
    let sqlstate = 'XX000';
    let message = 'jitgate: the gateway failed to open the session';
    const refusal = asAdmissionRefusal(error);
    if (error instanceof StartupRefusal) {
      sqlstate = error.sqlstate;
      message = `jitgate: ${error.message}`;
    } else if (refusal) {
      sqlstate = sqlstateOf(refusal);
      message = `jitgate: ${refusal.message}`;
    } else {
      this.logger.error({ err: error }, 'opening a postgres session failed');
    }
    this.metrics.logins.inc({ result: sqlstate });
    if (client.destroyed) return;
    client.resume();
    client.end(encodeErrorResponse({ severity: 'FATAL', code: sqlstate, message }));
    setTimeout(() => client.destroy(), LINGER_MS).unref();
  }
}
