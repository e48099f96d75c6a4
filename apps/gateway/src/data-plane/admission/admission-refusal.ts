// Why the data plane would not open a session: one error type with a status and a code, thrown
// by admission (admission/session-broker.service.ts) and the fronts' own checks, and answered
// once per front: the client line `JITGATE/1 <status> <code> <message>` (tcp/client-listener.ts),
// a SQLSTATE (postgres/pg-errors.ts), an HTTP status with `x-jitgate-error`
// (http/http-caller-sessions.ts → http/http-refusal.ts). The codes are the wire contract
// (@jitgate/contracts, client-handshake.ts).
import type { HandshakeCode, HandshakeStatus } from '@jitgate/contracts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../platform/database/database-unavailable.js';

export class AdmissionRefusal extends Error {
  constructor(
    readonly status: HandshakeStatus,
    readonly code: HandshakeCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdmissionRefusal';
  }
}

/**
 * The refusal a front answers for what opening a session threw: the refusal itself;
 * `unavailable` when the control plane's database is out of reach (anywhere before the first
 * byte: the guardrails' read, admission), so that the client may retry; undefined for anything
 * else, which the front logs and answers as its internal failure.
 */
export function asAdmissionRefusal(error: unknown): AdmissionRefusal | undefined {
  if (error instanceof AdmissionRefusal) return error;
  if (isDatabaseUnavailable(error)) return new AdmissionRefusal(503, 'unavailable', DATABASE_UNAVAILABLE_MESSAGE);
  return undefined;
}
