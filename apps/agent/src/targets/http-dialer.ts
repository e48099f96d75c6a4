// The agent's side of HTTP-type sessions (`http`, `bigquery`, `gcs`, `cloudrun`, `mcp`;
// docs/http.md "At the agent"). The session's bytes are frames (@jitgate/http-session): dial()
// hands one end of an in-memory duplex pair to an exchange server and returns the other end as
// the session's socket. Each request is then forwarded on its own (http-forwarder.ts) through a
// keep-alive client agent of this dialer, whatever the target does with its connections.
//
// Credentials: the token is fetched at dial as a pre-flight (so a missing role or a bad
// reference is a clear SessionOpened error), then per request — the broker caches, and a long
// keep-alive session never sends an expired token nor one minted after the grant's end.
// When the session's socket closes (grant end, revocation, the gateway closing), every request
// still in flight upstream is destroyed (http-dialer.spec.ts).
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock.js';
import { CredentialError, type CredentialProvider } from '../credentials/credential-provider.js';
import type { SecretValue } from '../credentials/secret-value.js';
import type { Logger } from '../logging/logger.js';
import { HTTP_CONNECTION_TYPES, type HttpConnectionType } from '@jitgate/contracts';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL, HttpExchangeServer } from '@jitgate/http-session';
import { duplexPair } from '@jitgate/tunnel';
import { HttpForwardError, sendForwardError } from './http-forward-error.js';
import { forwardRequest, type ForwardContext } from './http-forwarder.js';
import { httpTargetFor, withPolicyIdentity, type BearerPlan, type GoogleApiEndpoints } from './http-target.js';
import { TargetDialError, type TargetDialer } from './target-dialer.js';

export interface HttpDialerDeps {
  credentials: CredentialProvider;
  clock: Clock;
  logger: Logger;
  /** Where `bigquery` and `gcs` requests go (GOOGLE_API_ENDPOINTS, or the agent's settings). */
  endpoints: GoogleApiEndpoints;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Silence allowed before the target's response headers; default 120 s. */
  responseTimeoutMs?: number;
  /** Trusted CAs for https targets instead of Node's roots (a private CA). Default: Node's roots and NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
}

// Printable ASCII without spaces: anything else in a header would be refused by Node or, worse,
// split the header.
const BEARER_SHAPE = /^[\x21-\x7e]{1,16384}$/;
const FREE_SOCKET_TIMEOUT_MS = 30_000;

export function httpDialer(type: HttpConnectionType, deps: HttpDialerDeps): TargetDialer {
  // One pool per dialer: sessions of the same target share warm connections (TLS to Google).
  const agents = {
    http: new http.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS }),
    https: new https.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, ca: deps.ca }),
  };
  return {
    async dial(assignment, { signal, grantExpiresAtUnixMs, clientParameters }) {
      const found = httpTargetFor(type, assignment.settingsJson, assignment.credentialRef, deps.endpoints);
      const target = { ...found, bearer: withPolicyIdentity(found.bearer, clientParameters) };
      if (clientParameters[HTTP_SESSION_PARAMETER] !== HTTP_SESSION_PROTOCOL)
        throw new TargetDialError(`the gateway does not speak this agent's HTTP session protocol (${HTTP_SESSION_PROTOCOL}); run a gateway and agents of the same version`);
      if (deps.clock.now() >= grantExpiresAtUnixMs) throw new TargetDialError("the session's grant has already ended");
      const bearer = await preflight(target.bearer, deps.credentials, grantExpiresAtUnixMs);
      if (signal.aborted) throw new TargetDialError('session closed while dialling');

      const [sessionSide, serverSide] = duplexPair();
      const ctx: ForwardContext = {
        target,
        agent: target.protocol === 'https:' ? agents.https : agents.http,
        bearer,
        grantExpiresAtUnixMs,
        clock: deps.clock,
        connectTimeoutMs: deps.connectTimeoutMs ?? 10_000,
        responseTimeoutMs: deps.responseTimeoutMs ?? 120_000,
        logger: deps.logger.child({ connection: assignment.name, type }),
        inFlight: new Set(),
      };
      // The server lives as long as its end of the pair: it reads from it and answers on it.
      new HttpExchangeServer(
        serverSide,
        (req, res) => {
          forwardRequest(req, res, ctx).catch((error: unknown) => {
            ctx.logger.error({ err: error }, 'forwarding failed unexpectedly');
            if (!res.destroyed) sendForwardError(res, new HttpForwardError('internal', 'the agent failed to forward the request (see its log)'));
          });
        },
        { onBreach: (message) => ctx.logger.warn({ reason: message }, 'the gateway broke the HTTP session protocol; session closed') },
      );
      // The session is over: nothing more may reach the target. Destroying the server's end at
      // once (not after it read EOF) also covers a server paused by a slow response.
      sessionSide.once('close', () => {
        serverSide.destroy();
        for (const request of ctx.inFlight) request.destroy();
        ctx.inFlight.clear();
      });
      return { socket: sessionSide };
    },
  };
}

/** One dialer per HTTP type, for the agent's dialer map (main.ts). */
export function httpDialers(deps: HttpDialerDeps): Array<[HttpConnectionType, TargetDialer]> {
  return HTTP_CONNECTION_TYPES.map((type) => [type, httpDialer(type, deps)]);
}

/**
 * Fetches the token once now, so that a credential problem fails the dial with a clear
 * SessionOpened error; returns how each request gets its token. env:/file: values are read once
 * per session (a rotated Secret applies from the next session, as for postgres); Google tokens
 * are asked of the broker per request.
 */
async function preflight(plan: BearerPlan, credentials: CredentialProvider, grantExpiresAtUnixMs: number): Promise<() => Promise<SecretValue | undefined>> {
  if (plan.kind === 'none') return async () => undefined;
  const resolve = async (): Promise<SecretValue> => {
    const value = await credentials.resolve(plan.ref, plan.kind === 'gcp' ? { grantExpiresAtUnixMs, gcp: plan.wanted } : undefined);
    if (!BEARER_SHAPE.test(value.reveal())) throw new CredentialError('invalid_ref', 'the credential is not usable as a bearer token (spaces, control or non-ASCII characters)');
    return value;
  };
  let first: SecretValue;
  try {
    first = await resolve();
  } catch (error) {
    if (error instanceof CredentialError) throw new TargetDialError(`credential ${plan.ref}: ${error.message}`);
    throw error;
  }
  if (plan.kind === 'static') return async () => first;
  return async () => {
    try {
      return await resolve();
    } catch (error) {
      if (error instanceof CredentialError) throw new HttpForwardError('credential_unavailable', `credential ${plan.ref}: ${error.message}`);
      throw error;
    }
  };
}
