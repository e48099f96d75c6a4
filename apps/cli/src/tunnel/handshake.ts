// The client side of the handshake on the gateway's TCP listener (docs/tunnel.md, "Clients: the
// handshake on the gateway's TCP listener"): one request line, one answer line, then raw bytes.
// The lines themselves are @jitgate/contracts' (client-handshake.ts); this is what they mean to
// the user.
import { formatHandshakeRequest, isConnectionName, isHandshakeCode, MAX_HANDSHAKE_REQUEST_BYTES, type HandshakeCode, type HandshakeRefusalAnswer } from '@jitgate/contracts';
import { CliError, kindForStatus, printable, usageError } from '../errors.js';

export function assertConnectionName(name: string): void {
  if (!isConnectionName(name)) {
    throw usageError(`"${printable(name, 80)}" is not a connection name (lower-case letters, digits, ".", "_" and "-", at most 63)`);
  }
}

/** `JITGATE/1 CONNECT <connection> <token>\n`. The token is checked by requireToken() (one word of visible ASCII). */
export function requestLine(connection: string, token: string): string {
  assertConnectionName(connection);
  try {
    return formatHandshakeRequest({ connection, token });
  } catch (error) {
    if (error instanceof RangeError) throw new CliError('auth', `JITGATE_TOKEN is too long for the handshake (${MAX_HANDSHAKE_REQUEST_BYTES / 1024} KiB at most)`);
    throw error;
  }
}

/** What a refusal means for the user, in one line, with the gateway's own status, code and message. */
export function refusalError(connection: string, answer: HandshakeRefusalAnswer): CliError {
  const said = `gateway: ${answer.status} ${printable(answer.code, 60)}${answer.message ? ` "${printable(answer.message)}"` : ''}`;
  const what = isHandshakeCode(answer.code) ? explain(connection, answer.code) : `the gateway refused the connection to ${connection}`;
  return new CliError(kindForStatus(answer.status), `${what} (${said})`);
}

function explain(connection: string, code: HandshakeCode): string {
  switch (code) {
    case 'no_grant':
      return noGrantMessage(connection);
    case 'unauthenticated':
      return 'the gateway did not accept JITGATE_TOKEN';
    case 'not_found':
      return `no connection named ${connection} that jitgate connect can reach (it does not exist, or is not a tcp connection)`;
    case 'no_agent':
      return `no agent that serves ${connection} is connected to the gateway`;
    case 'target_unreachable':
      return `the agent could not reach the target of ${connection}`;
    case 'bad_handshake':
      return "the gateway did not understand the handshake (is --proxy the gateway's client listener, JITGATE_TCP_PORT?)";
    case 'unavailable':
    case 'internal':
      return `the gateway refused the connection to ${connection}`;
  }
}

export function noGrantMessage(connection: string): string {
  return `no active grant for ${connection} — request one with POST /v1/access-requests (jitgate request ${connection} --duration 30m --reason "…")`;
}
