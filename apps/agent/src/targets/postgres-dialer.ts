// The agent's side of a postgres session (docs/postgres.md, "At the agent"): reach the server,
// TLS as the connection's sslmode says, log in as the connection's user with the credential the
// agent holds (cleartext, MD5 or SCRAM-SHA-256 — ClientAuthenticator in packages/pgwire), and
// keep the server's cancel key. What the server says after login (ParameterStatus, notices,
// ReadyForQuery) is unshifted onto the socket, so that the gateway hears it first; the cancel
// key is not: it never leaves the agent. Errors name what failed, never the credential or user.
//
// Cloud SQL IAM database authentication: with `credentialRef: gcp-sa:<account>` the agent logs in
// as the service account's IAM database user (its e-mail without `.gserviceaccount.com`, or
// settings.user) with a freshly minted access token as the password (scope sqlservice.login,
// lifetime bounded by the grant). Cloud SQL checks the token at login only; the session's own
// timer still ends it at the grant end. postgres-dialer.cloudsql.spec.ts logs in for real.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { z } from 'zod';
import {
  BackendType,
  ClientAuthenticator,
  decodeAuthentication,
  decodeBackendKeyData,
  decodeErrorResponse,
  encodeCancelRequest,
  encodeSSLRequest,
  encodeStartupMessage,
  FORWARDED_STARTUP_PARAMETERS,
  MessageReader,
} from '@jitgate/pgwire';
import { CredentialError, parseCredentialRef, type CredentialContext, type CredentialProvider } from '../credentials/credential-provider.js';
import { connectTcp, hostSetting, parseSettings, portSetting, TargetDialError, type DialedTarget, type TargetDialer } from './target-dialer.js';

const settingsSchema = z.object({
  host: hostSetting,
  port: portSetting.default(5432),
  database: z.string().min(1).max(63),
  user: z.string().min(1).max(63).optional(),
  sslmode: z.enum(['disable', 'require', 'verify-full']).default('require'),
});
type Settings = z.output<typeof settingsSchema>;

const MAX_LOGIN_MESSAGE_BYTES = 1024 * 1024;

/** The narrowest scope Cloud SQL accepts for IAM database logins (the Cloud SQL connectors use it). */
export const CLOUD_SQL_LOGIN_SCOPE = 'https://www.googleapis.com/auth/sqlservice.login';

/** Cloud SQL's IAM database user for a service account: the e-mail without `.gserviceaccount.com`. */
export function cloudSqlIamUser(account: string): string {
  return account.replace(/\.gserviceaccount\.com$/, '');
}

export function postgresDialer(credentials: CredentialProvider): TargetDialer {
  return {
    async dial(assignment, { signal, timeoutMs, clientParameters, grantExpiresAtUnixMs }) {
      const settings = parseSettings(assignment.settingsJson, settingsSchema, 'postgres connection settings need host, port and database');
      const user = databaseUser(settings, assignment.credentialRef);
      const password = await resolvePassword(credentials, assignment.credentialRef, {
        grantExpiresAtUnixMs,
        gcp: { kind: 'access', scopes: [CLOUD_SQL_LOGIN_SCOPE] },
      });
      const deadline = Date.now() + timeoutMs;
      const socket = await open(settings, signal, timeoutMs);
      try {
        const params: Record<string, string> = { user, database: settings.database };
        for (const [name, value] of Object.entries(clientParameters)) if (FORWARDED_STARTUP_PARAMETERS.has(name)) params[name] = value;
        params['application_name'] ??= 'jitgate';
        const key = await logIn(socket, params, new ClientAuthenticator({ user, password }), deadline, signal);
        const cancel = () => void sendCancel(settings, key).catch(() => {});
        cancelWhenAbandoned(socket, cancel);
        return { socket, cancel } satisfies DialedTarget;
      } catch (error) {
        socket.destroy();
        throw error;
      }
    },
  };
}


/** settings.user, or for `gcp-sa:` the account's Cloud SQL IAM user. */
function databaseUser(settings: Settings, ref: string): string {
  if (settings.user) return settings.user;
  let parsed;
  try {
    parsed = parseCredentialRef(ref);
  } catch {
    parsed = undefined;
  }
  if (parsed?.kind === 'gcp-sa') {
    const user = cloudSqlIamUser(parsed.account);
    if (user.length <= 63) return user;
    throw new TargetDialError('the Cloud SQL IAM user name of this service account is longer than 63 characters: set settings.user');
  }
  throw new TargetDialError('the connection names no database user (settings.user)');
}

async function resolvePassword(credentials: CredentialProvider, ref: string, context: CredentialContext): Promise<string> {
  if (!ref) throw new TargetDialError('the connection has no credential reference');
  try {
    return (await credentials.resolve(ref, context)).reveal().replace(/\r?\n$/, '');
  } catch (error) {
    if (error instanceof CredentialError) throw new TargetDialError(`credential ${ref}: ${error.message}`);
    throw error;
  }
}

/** TCP, then TLS when sslmode asks for it (SSLRequest first, as libpq does). */
async function open(settings: Settings, signal: AbortSignal, timeoutMs: number): Promise<Duplex> {
  const socket = await connectTcp(settings.host, settings.port, signal, timeoutMs);
  if (settings.sslmode === 'disable') return socket;
  socket.write(encodeSSLRequest());
  const answer = await readByte(socket, timeoutMs);
  if (answer !== 0x53) {
    socket.destroy();
    throw new TargetDialError(`the server at ${settings.host}:${settings.port} does not offer TLS (sslmode=${settings.sslmode})`);
  }
  return new Promise<Duplex>((resolve, reject) => {
    const secure = tls.connect({ socket, servername: net.isIP(settings.host) ? undefined : settings.host, rejectUnauthorized: settings.sslmode === 'verify-full' });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', (error) => {
      secure.destroy();
      reject(new TargetDialError(`TLS to the server failed (${error.message})`));
    });
  });
}

function readByte(socket: net.Socket, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new TargetDialError('the server did not answer the SSLRequest in time')), timeoutMs);
    const onData = (chunk: Buffer) => {
      // One byte answers an SSLRequest; more would be bytes an attacker slipped in before TLS.
      if (chunk.length !== 1) return done(new TargetDialError('unexpected answer to the SSLRequest'));
      done(undefined, chunk[0]);
    };
    const onEnd = () => done(new TargetDialError('the server closed the connection during the SSLRequest'));
    function done(error: Error | undefined, byte?: number) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onEnd);
      socket.pause();
      if (error) reject(error);
      else resolve(byte as number);
    }
    socket.on('data', onData);
    socket.once('close', onEnd);
  });
}

/** Startup and authentication; returns the server's cancel key. Leaves the socket paused. */
function logIn(socket: Duplex, params: Record<string, string>, auth: ClientAuthenticator, deadline: number, signal: AbortSignal): Promise<{ processId: number; secretKey: Buffer }> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader({ maxMessageBytes: MAX_LOGIN_MESSAGE_BYTES });
    const forward: Buffer[] = [];
    let key: { processId: number; secretKey: Buffer } | undefined;
    const timer = setTimeout(() => fail('the server did not complete the login in time'), Math.max(0, deadline - Date.now()));
    const onAbort = () => fail('session closed while logging in');
    const onClose = () => fail('the server closed the connection during login');
    function finish(error: Error | undefined): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (error) return reject(error);
      // What the gateway must read first: everything after AuthenticationOk, and what is left.
      const rest = reader.takeBuffered();
      if (rest.length > 0) forward.push(rest);
      socket.unshift(Buffer.concat(forward));
      resolve(key ?? { processId: 0, secretKey: Buffer.alloc(0) });
    }
    function fail(message: string): void {
      finish(new TargetDialError(message));
    }
    function onData(chunk: Buffer): void {
      reader.push(chunk);
      try {
        for (let message = reader.next(); message; message = reader.next()) {
          switch (message.type) {
            case BackendType.Authentication: {
              const reply = auth.onAuthentication(decodeAuthentication(message.body));
              if (reply) socket.write(reply);
              break;
            }
            case BackendType.ErrorResponse: {
              // The server's text may quote the user name: only the SQLSTATE leaves the agent.
              const code = decodeErrorResponse(message.body)['C'] ?? 'unknown';
              return fail(`the server refused the agent's login (SQLSTATE ${code})`);
            }
            case BackendType.BackendKeyData:
              key = decodeBackendKeyData(message.body);
              break;
            case BackendType.NegotiateProtocolVersion:
              // Between the agent and the server only: the client negotiated with the gateway.
              break;
            case BackendType.ReadyForQuery:
              forward.push(Buffer.from(message.raw));
              return finish(undefined);
            default:
              forward.push(Buffer.from(message.raw));
          }
        }
      } catch (error) {
        const detail = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'protocol error';
        fail(`the login to the server failed (${detail})`);
      }
    }
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(encodeStartupMessage(params));
    socket.resume();
  });
}

/**
 * When the agent closes the server connection before the server closed it (the session ended:
 * grant expired or revoked, the client vanished), a statement still running would go on: the
 * server notices a closed socket only when it next reads or writes, so pg_sleep(20) sleeps on
 * and a long UPDATE commits after the grant ended, holding its locks meanwhile. Cancelling it
 * makes the backend fail the statement, hit the closed socket and exit, rolling back
 * (test/e2e/postgres.enforcement.test.ts). A server that ended the connection itself (after a
 * Terminate, or its own FATAL) has nothing running: no cancel then.
 */
function cancelWhenAbandoned(socket: Duplex, cancel: () => void): void {
  let serverEnded = false;
  socket.once('end', () => (serverEnded = true));
  socket.once('close', () => {
    if (!serverEnded) cancel();
  });
}

/** A CancelRequest on a connection of its own, as the protocol wants. */
async function sendCancel(settings: Settings, key: { processId: number; secretKey: Buffer }): Promise<void> {
  if (key.secretKey.length === 0) return;
  const signal = AbortSignal.timeout(5_000);
  const socket = await open(settings, signal, 5_000);
  socket.end(encodeCancelRequest(key.processId, key.secretKey));
  setTimeout(() => socket.destroy(), 5_000).unref();
}
