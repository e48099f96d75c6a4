// The one error type of this package. Callers map `code` to a SQLSTATE or a log line; the
// message names what was wrong with the bytes, never their content (it may hold a password).

/** Why a frame, message or login was refused. */
export type PgWireErrorCode = 'too_large' | 'bad_length' | 'malformed' | 'unknown_type' | 'auth_failed' | 'unsupported_auth' | 'protocol_violation';

/** Every failure raised by this package; anything else thrown from here is a bug. */
export class PgWireError extends Error {
  override readonly name = 'PgWireError';

  constructor(
    readonly code: PgWireErrorCode,
    message: string,
  ) {
    super(message);
  }
}
