// Every request at the HTTP proxy port (docs/http.md): which connection, which token, which
// session, then the exchange for the connection's type. Thin: refusals are HttpRefusals,
// answered here in one shape; anything else is a 500 that names nothing internal.
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import { parseHttpRoute } from '@jitgate/contracts';
import { CONTROL_PLANE, type ControlPlane } from '../../port/control-plane.port.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { HttpCallerSessions } from './http-caller-sessions.js';
import { HttpExchange, type ExchangeSettings } from './http-exchange.js';
import { HttpRefusal, sendRefusal } from './http-refusal.js';
import { bearerToken } from './http-route.js';
import { HttpMetrics } from './http.metrics.js';
import { McpExchange } from './mcp-exchange.js';

@Injectable()
export class HttpProxyService {
  private readonly logger = new Logger('HttpProxy');
  private readonly settings: ExchangeSettings;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(HttpCallerSessions) private readonly sessions: HttpCallerSessions,
    @Inject(CONTROL_PLANE) private readonly approvals: ControlPlane,
    @Inject(HttpMetrics) private readonly metrics: HttpMetrics,
  ) {
    const { maxBodyBytes, maxMaskedBodyBytes, approvalTimeoutSeconds } = config.httpProxy;
    this.settings = { maxBodyBytes, maxMaskedBodyBytes, approvalTimeoutSeconds };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let type = 'none';
    let outcome = 'refused';
    try {
      const route = parseHttpRoute(req.url);
      if (!route) throw new HttpRefusal(404, 'not_found', 'address requests to /c/<connection>/<path of the target>');
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new HttpRefusal(401, 'unauthenticated', 'send your jitgate or OIDC token as Authorization: Bearer <token>');
      const session = await this.sessions.forRequest(req.socket as net.Socket, token, route.connection);
      type = session.admitted.connection.type;
      const exchange = type === 'mcp' ? new McpExchange(session, req, res, route.target, this.settings, this.approvals) : new HttpExchange(session, req, res, route.target, this.settings, this.approvals);
      outcome = await exchange.run();
    } catch (error) {
      const refusal = error instanceof HttpRefusal ? error : this.internal(error);
      outcome = refusal.code === 'blocked' || refusal.code === 'denied' || refusal.code === 'approval_timed_out' ? refusal.code : 'refused';
      sendRefusal(res, refusal);
    } finally {
      this.metrics.request(type, outcome).inc();
      this.metrics.durationOf(type).observe((performance.now() - started) / 1000);
    }
  }

  private internal(error: unknown): HttpRefusal {
    this.logger.error({ err: error }, 'an HTTP proxy request failed');
    return new HttpRefusal(500, 'internal', 'the gateway failed to handle the request', true);
  }
}
