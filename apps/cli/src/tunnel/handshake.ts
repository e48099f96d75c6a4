// The client side of the handshake on the gateway's TCP listener (docs/tunnel.md, "Clients: the
// handshake on the gateway's TCP listener"): one request line, one answer line, then raw bytes.
import { CliError, kindForStatus, printable, usageError } from '../errors.js';

export const PROTOCOL = 'JITGATE/1';
/** The gateway rejects longer request lines with 400 bad_handshake. */
export const MAX_REQUEST_LINE_BYTES = 40 * 1024;
/** An answer line longer than this is not a jitgate gateway talking. */
export const MAX_ANSWER_LINE_BYTES = 8 * 1024;
/** Connection names as the gateway validates them (apps/gateway/src/connection/connection.schemas.ts). */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export type HandshakeAnswer =
  | { ok: true; sessionId: string }
  | { ok: false; status: number; code: string; message: string };

export function assertConnectionName(name: string): void {
  if (!CONNECTION_NAME.test(name)) {
    throw usageError(`"${printable(name, 80)}" is not a connection name (lower-case letters, digits, ".", "_" and "-", at most 63)`);
  }
}

/** `JITGATE/1 CONNECT <connection> <token>\n`. The token is checked by requireToken(). */
export function requestLine(connection: string, token: string): string {
  assertConnectionName(connection);
  const line = `${PROTOCOL} CONNECT ${connection} ${token}\n`;
  if (Buffer.byteLength(line) > MAX_REQUEST_LINE_BYTES) throw new CliError('auth', 'JITGATE_TOKEN is too long for the handshake (40 KiB at most)');
  return line;
}

/** Parses one answer line (without its `\n`); null when it is not a JITGATE/1 answer. */
export function parseAnswer(line: string): HandshakeAnswer | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const ok = /^JITGATE\/1 200 (\S+)$/.exec(text);
  if (ok) return { ok: true, sessionId: ok[1] as string };
  const refused = /^JITGATE\/1 ([1-5]\d\d) (\S+)(?: (.*))?$/.exec(text);
  if (!refused) return null;
  return { ok: false, status: Number(refused[1]), code: refused[2] as string, message: refused[3] ?? '' };
}

/** What a refusal means for the user, in one line, with the gateway's own status, code and message. */
export function refusalError(connection: string, answer: Extract<HandshakeAnswer, { ok: false }>): CliError {
  const said = `gateway: ${answer.status} ${printable(answer.code, 60)}${answer.message ? ` "${printable(answer.message)}"` : ''}`;
  return new CliError(kindForStatus(answer.status), `${explain(connection, answer.code)} (${said})`);
}

function explain(connection: string, code: string): string {
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
      return 'the gateway did not understand the handshake (is --proxy the gateway\'s client listener, JITGATE_TCP_PORT?)';
    default:
      return `the gateway refused the connection to ${connection}`;
  }
}

export function noGrantMessage(connection: string): string {
  return `no active grant for ${connection} — request one with POST /v1/access-requests (jitgate request ${connection} --duration 30m --reason "…")`;
}
