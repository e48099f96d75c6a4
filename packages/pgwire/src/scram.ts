// SCRAM-SHA-256 client side, RFC 5802 + RFC 7677, as PostgreSQL uses it (no channel binding:
// gs2 header "n,,"; the user name is empty because the server takes it from the startup packet).
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { PgWireError } from './errors.js';

/** Iteration counts above this are refused: a hostile server could otherwise pin the CPU. */
export const MAX_SCRAM_ITERATIONS = 10_000_000;

const GS2_HEADER = 'n,,';

// RFC 3454 B.1, "commonly mapped to nothing": soft hyphen, joiners, variation selectors…
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each is removed on its own, never read as combining with the character before it.
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/g;

/**
 * SASLprep (RFC 4013), approximated: ASCII passwords are used unchanged (exact); others get the
 * RFC 3454 B.1 "mapped to nothing" removal, non-ASCII spaces mapped to U+0020 and NFKC, which
 * is what SASLprep does apart from its prohibited-character and bidi checks (PostgreSQL then
 * falls back to the raw password bytes; we do not reproduce that edge case).
 */
export function saslPrep(password: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  return password
    .replace(MAPPED_TO_NOTHING, '')
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    .normalize('NFKC');
}

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Attributes of a SCRAM message ("r=...,s=...,i=..."); duplicates are refused. */
function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new PgWireError('protocol_violation', 'SCRAM: malformed server message');
    if (out.has(m[1]!)) throw new PgWireError('protocol_violation', `SCRAM: duplicate attribute ${m[1]}`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One SCRAM exchange; create one per login. */
export class ScramClient {
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | undefined;

  constructor(
    private readonly password: string,
    private readonly clientNonce: string,
  ) {
    this.clientFirstBare = `n=,r=${clientNonce}`;
  }

  /** client-first-message, sent in SASLInitialResponse. */
  clientFirst(): Buffer {
    return Buffer.from(GS2_HEADER + this.clientFirstBare, 'utf8');
  }

  /** Reads server-first-message and returns client-final-message. */
  clientFinal(serverFirst: Buffer): Buffer {
    const serverFirstText = serverFirst.toString('utf8');
    const attrs = parseAttributes(serverFirstText);
    const nonce = attrs.get('r');
    const saltB64 = attrs.get('s');
    const iterText = attrs.get('i');
    if (attrs.has('m')) throw new PgWireError('unsupported_auth', 'SCRAM: mandatory extension requested');
    if (nonce === undefined || saltB64 === undefined || iterText === undefined) {
      throw new PgWireError('protocol_violation', 'SCRAM: server-first-message lacks r, s or i');
    }
    if (!nonce.startsWith(this.clientNonce) || nonce.length <= this.clientNonce.length) {
      throw new PgWireError('auth_failed', 'SCRAM: server nonce does not extend the client nonce');
    }
    if (!BASE64.test(saltB64) || saltB64.length === 0) throw new PgWireError('protocol_violation', 'SCRAM: salt is not base64');
    if (!/^[1-9][0-9]{0,9}$/.test(iterText)) throw new PgWireError('protocol_violation', 'SCRAM: bad iteration count');
    const iterations = Number(iterText);
    if (iterations > MAX_SCRAM_ITERATIONS) throw new PgWireError('protocol_violation', 'SCRAM: iteration count too high');
    const salt = Buffer.from(saltB64, 'base64');
    const saltedPassword = pbkdf2Sync(saslPrep(this.password), salt, iterations, 32, 'sha256');
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const clientFinalWithoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirstText},${clientFinalWithoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.allocUnsafe(32);
    for (let i = 0; i < 32; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Verifies server-final-message: the server proves it knows the verifier. */
  verifyServerFinal(serverFinal: Buffer): void {
    if (!this.expectedServerSignature) throw new PgWireError('protocol_violation', 'SCRAM: server-final before server-first');
    const attrs = parseAttributes(serverFinal.toString('utf8'));
    const error = attrs.get('e');
    if (error !== undefined) throw new PgWireError('auth_failed', `SCRAM: server reported ${error}`);
    const v = attrs.get('v');
    if (v === undefined || !BASE64.test(v)) throw new PgWireError('protocol_violation', 'SCRAM: server-final-message lacks v');
    const got = Buffer.from(v, 'base64');
    if (got.length !== this.expectedServerSignature.length || !timingSafeEqual(got, this.expectedServerSignature)) {
      throw new PgWireError('auth_failed', 'SCRAM: wrong server signature');
    }
  }
}
