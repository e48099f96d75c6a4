// The one error type of credential resolution. Messages name the reference and what is wrong,
// never a value; they reach the gateway in SessionOpened.error (via TargetDialError).
export type CredentialErrorCode =
  | 'invalid_ref'
  | 'unsupported'
  | 'missing'
  | 'forbidden'
  /** Google refused: the agent's identity lacks a role, or its own credentials were refused. */
  | 'denied'
  /** Google could not be asked (network, ADC missing): may work later. */
  | 'unavailable'
  /** Too little of the grant is left to mint a token for it. */
  | 'grant_ended';

export class CredentialError extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}
