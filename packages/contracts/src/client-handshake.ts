// The handshake on the gateway's client TCP port (JITGATE_TCP_PORT; docs/tunnel.md, "Clients:
// the handshake on the gateway's TCP listener"): one request line in, one answer line out, then
// raw bytes. `jitgate connect` writes the request and reads the answer; the gateway's listener
// reads the request and writes the answer. Every line is printable ASCII ending in "\n".
//
//   JITGATE/1 CONNECT <connection> <token>\n
//   JITGATE/1 200 <session id>\n
//   JITGATE/1 <status> <code> <message>\n

export const HANDSHAKE_PROTOCOL = 'JITGATE/1';
/** The longest request line the gateway reads, "\n" included: room for a large OIDC JWT, no room for a flood. */
export const MAX_HANDSHAKE_REQUEST_BYTES = 40 * 1024;
/** The longest answer line a client reads: a refusal's message is cut to MAX_REFUSAL_MESSAGE_LENGTH. */
export const MAX_HANDSHAKE_ANSWER_BYTES = 8 * 1024;
export const MAX_REFUSAL_MESSAGE_LENGTH = 500;

export const HANDSHAKE_REFUSALS = {
  bad_handshake: 400,
  unauthenticated: 401,
  no_grant: 403,
  not_found: 404,
  internal: 500,
  target_unreachable: 502,
  no_agent: 503,
  unavailable: 503,
} as const;
export type HandshakeCode = keyof typeof HANDSHAKE_REFUSALS;
export type HandshakeStatus = (typeof HANDSHAKE_REFUSALS)[HandshakeCode];
export const HANDSHAKE_CODES = Object.keys(HANDSHAKE_REFUSALS) as HandshakeCode[];

export interface HandshakeRequest {
  connection: string;
  token: string;
}

export type HandshakeAnswer = { ok: true; sessionId: string } | HandshakeRefusalAnswer;
export interface HandshakeRefusalAnswer {
  ok: false;
  status: number;
  /** One of HANDSHAKE_CODES from a gateway of this version; read as text, a newer one may say more. */
  code: string;
  message: string;
}

/** A word of the line: printable ASCII, no space. */
const WORD = /^[\x21-\x7e]+$/;
/** Printable ASCII words separated by single spaces: nothing a terminal or a log could misread. */
const REQUEST = /^JITGATE\/1 CONNECT ([\x21-\x7e]+) ([\x21-\x7e]+)$/;
const OK = /^JITGATE\/1 200 ([\x21-\x7e]+)$/;
const REFUSAL = /^JITGATE\/1 ([1-5]\d\d) ([\x21-\x7e]+)(?: (.*))?$/;

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * `JITGATE/1 CONNECT <connection> <token>\n`. Throws RangeError when a part is not one word of
 * printable ASCII or the line is longer than the gateway reads; callers check first to say why.
 */
export function formatHandshakeRequest({ connection, token }: HandshakeRequest): string {
  if (!WORD.test(connection) || !WORD.test(token)) throw new RangeError('the connection and the token must each be one word of printable ASCII');
  const line = `${HANDSHAKE_PROTOCOL} CONNECT ${connection} ${token}\n`;
  if (line.length > MAX_HANDSHAKE_REQUEST_BYTES) throw new RangeError(`the handshake line is longer than ${MAX_HANDSHAKE_REQUEST_BYTES} bytes`);
  return line;
}

/** The request line without its "\n" (a "\r" before it is tolerated, for hand-typed tests); null when it is not one. */
export function parseHandshakeRequest(line: string): HandshakeRequest | null {
  const match = REQUEST.exec(withoutCr(line));
  return match ? { connection: match[1] as string, token: match[2] as string } : null;
}

export function formatHandshakeOk(sessionId: string): string {
  return `${HANDSHAKE_PROTOCOL} 200 ${sessionId}\n`;
}

/** The refusal as one printable line: the message may quote an agent's error, so it is cleaned and cut. */
export function formatHandshakeRefusal(refusal: { status: HandshakeStatus; code: HandshakeCode; message: string }): string {
  const message =
    refusal.message
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim()
      .slice(0, MAX_REFUSAL_MESSAGE_LENGTH) || refusal.code;
  return `${HANDSHAKE_PROTOCOL} ${refusal.status} ${refusal.code} ${message}\n`;
}

/** One answer line without its "\n"; null when it is not a JITGATE/1 answer. */
export function parseHandshakeAnswer(line: string): HandshakeAnswer | null {
  const text = withoutCr(line);
  const ok = OK.exec(text);
  if (ok) return { ok: true, sessionId: ok[1] as string };
  const refused = REFUSAL.exec(text);
  if (!refused) return null;
  return { ok: false, status: Number(refused[1]), code: refused[2] as string, message: refused[3] ?? '' };
}

export function isHandshakeCode(code: string): code is HandshakeCode {
  return Object.hasOwn(HANDSHAKE_REFUSALS, code);
}
