// Login at the gateway (docs/postgres.md, "Logging in"): SSLRequest answered 'S' (then TLS) when
// the listener has a certificate, 'N' otherwise; GSSENCRequest always 'N'; a CancelRequest is
// handed back to the listener; a StartupMessage names the connection (database) and the client
// then sends its gateway or OIDC token as the password (AuthenticationCleartextPassword, which is
// why TLS matters outside loopback). The user name is informational. A client_encoding other than
// UTF8 (or SQL_ASCII, which the server then reads as UTF-8) is refused with 0A000.
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import {
  acceptsClientEncoding,
  clientEncodingRefusal,
  decodePasswordMessage,
  encodeAuthenticationCleartextPassword,
  FORWARDED_STARTUP_PARAMETERS,
  FrontendType,
  MessageReader,
  parseStartupPacket,
  PgWireError,
  SqlState,
} from '@jitgate/pgwire';

export const STARTUP_DEADLINE_MS = 15_000;
/** A startup packet is at most 10,000 bytes; a password message carries a JWT at most. */
const MAX_LOGIN_MESSAGE_BYTES = 64 * 1024;

export type StartupOutcome =
  | { kind: 'login'; socket: Duplex; reader: MessageReader; user: string; database: string; token: string; parameters: Record<string, string>; tls: boolean }
  | { kind: 'cancel'; processId: number; secretKey: Buffer };

/** A failure to answer with a FATAL ErrorResponse (when the socket can still carry one). */
export class StartupRefusal extends Error {
  /** Where to answer: the TLS socket once the handshake is done, never the raw one under it. */
  socket: Duplex | undefined;

  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
    this.name = 'StartupRefusal';
  }
}

export async function negotiateStartup(socket: Duplex, secureContext: tls.SecureContext | null, deadlineMs = STARTUP_DEADLINE_MS): Promise<StartupOutcome> {
  const state = { current: socket };
  try {
    return await negotiate(state, secureContext, Date.now() + deadlineMs);
  } catch (error) {
    // A refusal after the TLS handshake must travel inside TLS: plaintext bytes under it would
    // read as a broken TLS record to the client, which would never see the SQLSTATE.
    if (error instanceof StartupRefusal) error.socket ??= state.current;
    throw error;
  }
}

async function negotiate(state: { current: Duplex }, secureContext: tls.SecureContext | null, deadline: number): Promise<StartupOutcome> {
  let current = state.current;
  let reader = new MessageReader({ maxMessageBytes: MAX_LOGIN_MESSAGE_BYTES, expectStartup: true });
  let secured = false;
  // Each request is answered once, as PostgreSQL does: a second one is a protocol violation
  // (and would otherwise let a client keep a login slot busy with 8-byte packets).
  let sslAnswered = false;
  let gssAnswered = false;
  for (;;) {
    const packet = await readMessage(current, reader, deadline);
    const startup = wireChecked(() => parseStartupPacket(packet.body));
    switch (startup.kind) {
      case 'ssl':
        if (secured || sslAnswered) throw new StartupRefusal('08P01', 'SSLRequest received twice');
        sslAnswered = true;
        if (!secureContext) {
          current.write('N');
          continue;
        }
        // Bytes after the SSLRequest and before the handshake would be plaintext smuggled into TLS.
        if (reader.bufferedBytes > 0) throw new StartupRefusal('08P01', 'data after SSLRequest before the TLS handshake');
        current.write('S');
        current = new tls.TLSSocket(current as import('node:net').Socket, { isServer: true, secureContext });
        current.on('error', () => {});
        state.current = current;
        reader = new MessageReader({ maxMessageBytes: MAX_LOGIN_MESSAGE_BYTES, expectStartup: true });
        secured = true;
        continue;
      case 'gssenc':
        if (gssAnswered) throw new StartupRefusal('08P01', 'GSSENCRequest received twice');
        gssAnswered = true;
        current.write('N');
        continue;
      case 'cancel':
        return { kind: 'cancel', processId: startup.processId, secretKey: startup.secretKey };
      case 'startup': {
        const user = startup.params['user'];
        if (!user) throw new StartupRefusal('28000', 'no user name in the startup message');
        if (startup.params['replication'] !== undefined && startup.params['replication'] !== 'false') {
          throw new StartupRefusal('0A000', 'replication connections are not supported through jitgate');
        }
        // The session runs in UTF8 (the agent pins it): a client that would write its SQL in
        // another encoding is told so before anything else (packages/pgwire/src/session-pins.ts).
        const encoding = startup.params['client_encoding'];
        if (encoding !== undefined && !acceptsClientEncoding(encoding)) throw new StartupRefusal(SqlState.feature_not_supported, clientEncodingRefusal(encoding));
        const database = startup.params['database'] || user;
        current.write(encodeAuthenticationCleartextPassword());
        const password = await readMessage(current, reader, deadline);
        if (password.type !== FrontendType.Password) throw new StartupRefusal('08P01', 'expected a password message');
        const token = wireChecked(() => decodePasswordMessage(password.body));
        if (!token) throw new StartupRefusal('28P01', 'empty password: send your jitgate token as the password');
        const parameters: Record<string, string> = {};
        for (const [name, value] of Object.entries(startup.params)) if (FORWARDED_STARTUP_PARAMETERS.has(name)) parameters[name] = value;
        current.pause();
        return { kind: 'login', socket: current, reader, user, database, token, parameters, tls: secured };
      }
    }
  }
}

/** Malformed bytes from the client are its protocol violation (08P01), not the gateway's failure. */
function wireChecked<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof PgWireError) throw new StartupRefusal('08P01', error.message);
    throw error;
  }
}

/** The next message from `socket`, reading no further than needed; the socket is left paused. */
function readMessage(socket: Duplex, reader: MessageReader, deadline: number): Promise<{ type: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, message?: { type: number; body: Buffer }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (error) reject(error);
      else resolve(message as { type: number; body: Buffer });
    };
    const tryNext = (): boolean => {
      try {
        const message = reader.next();
        if (!message) return false;
        finish(undefined, message);
      } catch (error) {
        finish(error instanceof PgWireError ? new StartupRefusal('08P01', error.message) : (error as Error));
      }
      return true;
    };
    const onData = (chunk: Buffer) => {
      reader.push(chunk);
      tryNext();
    };
    const onEnd = () => finish(new StartupRefusal('08006', 'the client left during login'));
    const timer = setTimeout(() => finish(new StartupRefusal('08006', 'login took too long')), Math.max(0, deadline - Date.now()));
    if (tryNext()) return;
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
