// The agent's login to a PostgreSQL server (docs/postgres.md, "At the agent"): StartupMessage,
// authentication (ClientAuthenticator in packages/pgwire), the server's first words up to
// ReadyForQuery, then one query of the agent's own, ROLE_QUERY, that says who the agent is on
// the server, before the session is handed over. What the server said during login
// (ParameterStatus, notices, ReadyForQuery) is unshifted onto the socket for the gateway to read
// first; the answer to the agent's query and the cancel key are not: they never leave the agent.
// Errors name what failed, never the credential or the user.
import type { Duplex } from 'node:stream';
import {
  BackendType,
  decodeAuthentication,
  decodeBackendKeyData,
  decodeDataRow,
  decodeErrorResponse,
  encodeQuery,
  encodeStartupMessage,
  MessageReader,
  type ClientAuthenticator,
  type ServerRole,
} from '@jitgate/pgwire';
import { TargetDialError } from './target-dialer.js';

const MAX_LOGIN_MESSAGE_BYTES = 1024 * 1024;

/** Who the agent is on the server (SessionOpened.postgres_login). */
export type PostgresRole = ServerRole;

export interface LoggedIn {
  key: { processId: number; secretKey: Buffer };
  role: PostgresRole;
}

/**
 * Everything qualified with pg_catalog, operators included: the session's search_path is the
 * client's (it is a forwarded startup parameter), and a schema earlier in it must not be able to
 * answer for a catalog function or operator, least of all when the agent's role is privileged.
 */
export const ROLE_QUERY = [
  'SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication,',
  " pg_catalog.current_setting('transaction_read_only'),",
  ' EXISTS (SELECT FROM pg_catalog.pg_roles p WHERE p.oid OPERATOR(pg_catalog.<>) r.oid',
  " AND (p.rolsuper OR p.rolcreaterole OR p.rolbypassrls) AND pg_catalog.pg_has_role(r.oid, p.oid, 'MEMBER'))",
  ' FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER',
].join('');

/** Startup, authentication and the role query; leaves the socket paused with the login's messages unshifted. */
export function logIn(socket: Duplex, params: Record<string, string>, auth: ClientAuthenticator, deadline: number, signal: AbortSignal): Promise<LoggedIn> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader({ maxMessageBytes: MAX_LOGIN_MESSAGE_BYTES });
    const forward: Buffer[] = [];
    let key: LoggedIn['key'] | undefined;
    let phase: 'login' | 'role' = 'login';
    let rows: Array<Array<string | null>> = [];
    let settled = false;
    const timer = setTimeout(() => fail('the server did not complete the login in time'), Math.max(0, deadline - Date.now()));
    const onAbort = () => fail('session closed while logging in');
    const onClose = () => fail('the server closed the connection during login');
    function finish(error: Error | undefined, role?: PostgresRole): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (error || !role) return reject(error ?? new TargetDialError('the login to the server failed'));
      // What the gateway must read first: the login's messages, and anything the server sent after.
      const rest = reader.takeBuffered();
      if (rest.length > 0) forward.push(rest);
      socket.unshift(Buffer.concat(forward));
      resolve({ key: key ?? { processId: 0, secretKey: Buffer.alloc(0) }, role });
    }
    function fail(message: string): void {
      finish(new TargetDialError(message));
    }
    /** One message of the login; at its ReadyForQuery the role query goes out. */
    function onLoginMessage(type: number, body: Buffer, raw: Buffer): void {
      switch (type) {
        case BackendType.Authentication: {
          const reply = auth.onAuthentication(decodeAuthentication(body));
          if (reply) socket.write(reply);
          return;
        }
        case BackendType.ErrorResponse: {
          // The server's text may quote the user name: only the SQLSTATE leaves the agent.
          const code = decodeErrorResponse(body)['C'] ?? 'unknown';
          return fail(`the server refused the agent's login (SQLSTATE ${code})`);
        }
        case BackendType.BackendKeyData:
          key = decodeBackendKeyData(body);
          return;
        case BackendType.NegotiateProtocolVersion:
          // Between the agent and the server only: the client negotiated with the gateway.
          return;
        case BackendType.ReadyForQuery:
          forward.push(Buffer.from(raw));
          phase = 'role';
          socket.write(encodeQuery(ROLE_QUERY));
          return;
        default:
          forward.push(Buffer.from(raw));
      }
    }
    /** One message of the answer to ROLE_QUERY: kept by the agent, never forwarded. */
    function onRoleMessage(type: number, body: Buffer, raw: Buffer): void {
      switch (type) {
        case BackendType.RowDescription:
        case BackendType.CommandComplete:
        case BackendType.NoticeResponse:
          return;
        case BackendType.DataRow:
          rows.push(decodeDataRow(body).map((value) => (value === null ? null : value.toString('utf8'))));
          return;
        case BackendType.ParameterStatus:
          // The server's word on a setting is the gateway's to check: it goes on with the rest.
          forward.push(Buffer.from(raw));
          return;
        case BackendType.ErrorResponse: {
          const code = decodeErrorResponse(body)['C'] ?? 'unknown';
          return fail(`the agent could not read its own role on the server (SQLSTATE ${code})`);
        }
        case BackendType.ReadyForQuery: {
          const role = roleOf(rows);
          rows = [];
          if (!role) return fail('the agent could not read its own role on the server (unexpected answer)');
          return finish(undefined, role);
        }
        default:
          return fail(`unexpected message ${String.fromCharCode(type)} from the server after login`);
      }
    }
    function onData(chunk: Buffer): void {
      reader.push(chunk);
      try {
        for (let message = reader.next(); message; message = reader.next()) {
          if (phase === 'login') onLoginMessage(message.type, message.body, message.raw);
          else onRoleMessage(message.type, message.body, message.raw);
          if (settled) return;
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

/** The one row of ROLE_QUERY, or undefined when the answer is not that. */
function roleOf(rows: Array<Array<string | null>>): PostgresRole | undefined {
  const [row, ...more] = rows;
  if (!row || more.length > 0 || row.length !== 7) return undefined;
  const [role, ...values] = row;
  // Booleans come as t/f, the setting as on/off: anything else is not this query's answer.
  const flags = values.map((value, i) => (value === (i === 4 ? 'on' : 't') ? true : value === (i === 4 ? 'off' : 'f') ? false : undefined));
  if (!role || flags.some((flag) => flag === undefined)) return undefined;
  const [superuser, createRole, bypassRls, replication, readOnly, memberOfPrivileged] = flags as boolean[];
  return { role, superuser, createRole, bypassRls, replication, readOnly, memberOfPrivileged } as PostgresRole;
}
