// The agent's side of a PostgreSQL login, as a pure state machine: feed it each decoded
// Authentication message, send what it returns. It never does I/O, so it is tested with
// hand-fed messages as well as against a real server (client-authenticator.spec.ts,
// real-server.spec.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { DecodedAuthentication } from './backend-decoders.js';
import { PgWireError } from './errors.js';
import { encodePasswordMessage, encodeSASLInitialResponse, encodeSASLResponse } from './frontend-encoders.js';
import { ScramClient } from './scram.js';

/** The password methods a ClientAuthenticator can answer. */
export type ClientAuthMethod = 'cleartext' | 'md5' | 'scram-sha-256';

export interface ClientAuthenticatorOptions {
  user: string;
  password: string;
  /**
   * Methods this login may use (default: all three). Without TLS, a server — or anyone in the
   * path — that asks for cleartext gets the password, so pass ['scram-sha-256'] where possible.
   */
  allowedMethods?: ClientAuthMethod[];
  /** For tests only: a fixed client nonce (default: 18 random bytes, base64). */
  clientNonce?: string;
}

type AuthState = 'start' | 'scram-first-sent' | 'scram-final-sent' | 'scram-verified' | 'done';

const SCRAM = 'SCRAM-SHA-256';

/** Answers the server's authentication requests: cleartext, MD5 or SCRAM-SHA-256. */
export class ClientAuthenticator {
  private readonly user: string;
  private readonly password: string;
  private readonly clientNonce: string | undefined;
  private readonly allowed: ReadonlySet<ClientAuthMethod>;
  private state: AuthState = 'start';
  private scram: ScramClient | undefined;

  constructor(options: ClientAuthenticatorOptions) {
    this.user = options.user;
    this.password = options.password;
    this.clientNonce = options.clientNonce;
    this.allowed = new Set(options.allowedMethods ?? ['cleartext', 'md5', 'scram-sha-256']);
  }

  /** True once AuthenticationOk was accepted. */
  get authenticated(): boolean {
    return this.state === 'done';
  }

  /** The bytes to send in answer, or undefined when nothing is to be sent (AuthenticationOk). */
  onAuthentication(auth: DecodedAuthentication): Buffer | undefined {
    switch (auth.kind) {
      case 'ok':
        // A server that skips SASLFinal has not proven it knows the password verifier.
        if (this.state === 'scram-first-sent' || this.state === 'scram-final-sent') {
          throw new PgWireError('auth_failed', 'server accepted the login without completing SCRAM');
        }
        this.state = 'done';
        return undefined;
      case 'cleartext':
        this.expect('start', 'cleartext');
        this.permit('cleartext');
        return encodePasswordMessage(this.password);
      case 'md5':
        this.expect('start', 'md5');
        this.permit('md5');
        return encodePasswordMessage(md5Password(this.user, this.password, auth.salt));
      case 'sasl': {
        this.expect('start', 'sasl');
        this.permit('scram-sha-256');
        if (!auth.mechanisms.includes(SCRAM)) {
          throw new PgWireError('unsupported_auth', `no supported SASL mechanism in ${auth.mechanisms.join(', ')}`);
        }
        this.scram = new ScramClient(this.password, this.clientNonce ?? randomBytes(18).toString('base64'));
        this.state = 'scram-first-sent';
        return encodeSASLInitialResponse(SCRAM, this.scram.clientFirst());
      }
      case 'sasl-continue': {
        this.expect('scram-first-sent', 'sasl-continue');
        const out = this.scram!.clientFinal(auth.data);
        this.state = 'scram-final-sent';
        return encodeSASLResponse(out);
      }
      case 'sasl-final':
        this.expect('scram-final-sent', 'sasl-final');
        this.scram!.verifyServerFinal(auth.data);
        this.state = 'scram-verified';
        return undefined;
      case 'other':
        throw new PgWireError('unsupported_auth', `authentication method ${auth.code} is not supported`);
      default:
        throw new PgWireError('unsupported_auth', 'unknown authentication request');
    }
  }

  private permit(method: ClientAuthMethod): void {
    if (!this.allowed.has(method)) throw new PgWireError('unsupported_auth', `the server asked for ${method}, which this login does not allow`);
  }

  private expect(state: AuthState, got: string): void {
    if (this.state !== state) throw new PgWireError('protocol_violation', `unexpected authentication request ${got} in state ${this.state}`);
  }
}

/** 'md5' + md5(md5(password + user) + salt), as PostgreSQL's md5 method expects. */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password, 'utf8').update(user, 'utf8').digest('hex');
  return 'md5' + createHash('md5').update(inner, 'utf8').update(salt).digest('hex');
}
