// The agent's side of a postgres session (docs/postgres.md, "At the agent"): reach the server,
// TLS as the connection's sslmode says, log in (postgres-login.ts) as the login the session's
// scope picks (postgres-settings.ts: the connection's read-only role for a read-only session when
// it names one) with the credential the agent holds, the settings that change how SQL is read
// pinned in the startup packet (packages/pgwire/src/session-pins.ts), and keep the server's
// cancel key. Who the agent turned out to be on the server goes back in SessionOpened; a
// read-only session whose server session is not read-only is not opened.
//
// Cloud SQL IAM database authentication: with `credentialRef: gcp-sa:<account>` the agent logs in
// as the service account's IAM database user (its e-mail without `.gserviceaccount.com`, or
// settings.user) with a freshly minted access token as the password (scope sqlservice.login,
// lifetime bounded by the grant). Cloud SQL checks the token at login only; the session's own
// timer still ends it at the grant end. test/cloudsql-iam-login.test.ts logs in for real.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { PostgresSettings } from '@jitgate/contracts';
import { ClientAuthenticator, encodeCancelRequest, encodeSSLRequest, FORWARDED_STARTUP_PARAMETERS, isReadOnlySession, pinnedSettings, withPins } from '@jitgate/pgwire';
import { CredentialError, type CredentialContext, type CredentialProvider } from '../credentials/credential-provider.js';
import { logIn } from './postgres-login.js';
import { loginFor, postgresSettingsSchema } from './postgres-settings.js';
import { connectTcp, parseSettings, TargetDialError, type DialedTarget, type TargetDialer } from './target-dialer.js';

export { cloudSqlIamUser } from './postgres-settings.js';

/** The narrowest scope Cloud SQL accepts for IAM database logins (the Cloud SQL connectors use it). */
export const CLOUD_SQL_LOGIN_SCOPE = 'https://www.googleapis.com/auth/sqlservice.login';

export function postgresDialer(credentials: CredentialProvider): TargetDialer {
  return {
    credentialRefs(assignment) {
      let scoped: Array<{ credentialRef: string } | undefined> = [];
      try {
        scoped = Object.values(parseSettings(assignment.settingsJson, postgresSettingsSchema, 'malformed postgres settings').scopes ?? {});
      } catch {
        // Malformed settings: each session says so when it dials.
      }
      return [assignment.credentialRef, ...scoped.flatMap((login) => (login ? [login.credentialRef] : []))];
    },
    async dial(assignment, { signal, timeoutMs, scope, clientParameters, grantExpiresAtUnixMs }) {
      const settings = parseSettings(assignment.settingsJson, postgresSettingsSchema, 'postgres connection settings need host, port and database (and scopes, when given, a credentialRef each)');
      const login = loginFor(settings, assignment.credentialRef, isReadOnlySession(scope, clientParameters));
      const password = await resolvePassword(credentials, login.credentialRef, {
        grantExpiresAtUnixMs,
        gcp: { kind: 'access', scopes: [CLOUD_SQL_LOGIN_SCOPE] },
      });
      const deadline = Date.now() + timeoutMs;
      const socket = await open(settings, signal, timeoutMs);
      try {
        const asked: Record<string, string> = { application_name: 'jitgate' };
        for (const [name, value] of Object.entries(clientParameters)) if (FORWARDED_STARTUP_PARAMETERS.has(name)) asked[name] = value;
        // Who and where are the connection's; how SQL is read is pinned: neither is the client's.
        const params = withPins({ ...asked, user: login.user, database: settings.database }, pinnedSettings(login.readOnly));
        const { key, role } = await logIn(socket, params, new ClientAuthenticator({ user: login.user, password }), deadline, signal);
        // The pin is in the startup packet; the server's own answer is what counts.
        if (login.readOnly && !role.readOnly) throw new TargetDialError('the server did not open the session read-only');
        const cancel = () => void sendCancel(settings, key).catch(() => {});
        cancelWhenAbandoned(socket, cancel);
        return { socket, cancel, postgresLogin: role } satisfies DialedTarget;
      } catch (error) {
        socket.destroy();
        throw error;
      }
    },
  };
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
async function open(settings: PostgresSettings, signal: AbortSignal, timeoutMs: number): Promise<Duplex> {
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

/**
 * When the agent closes the server connection before the server closed it (the session ended:
 * grant expired or revoked, the client vanished), a statement still running would go on: the
 * server notices a closed socket only when it next reads or writes, so pg_sleep(20) sleeps on
 * and a long UPDATE commits after the grant ended, holding its locks meanwhile. Cancelling it
 * makes the backend fail the statement, hit the closed socket and exit, rolling back
 * (e2e/postgres/postgres.enforcement.test.ts). A server that ended the connection itself (after a
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
async function sendCancel(settings: PostgresSettings, key: { processId: number; secretKey: Buffer }): Promise<void> {
  if (key.secretKey.length === 0) return;
  const signal = AbortSignal.timeout(5_000);
  const socket = await open(settings, signal, 5_000);
  socket.end(encodeCancelRequest(key.processId, key.secretKey));
  setTimeout(() => socket.destroy(), 5_000).unref();
}
