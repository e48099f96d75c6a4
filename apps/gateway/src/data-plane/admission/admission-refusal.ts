// Why the data plane would not open a session: one error type with a status and a code, thrown
// by admission (admission/session-broker.service.ts) and the fronts' own checks, and answered
// once per front: the client line `JITGATE/1 <status> <code> <message>` (tcp/client-listener.ts),
// a SQLSTATE (postgres/pg-errors.ts), an HTTP status with `x-jitgate-error`
// (http/http-caller-sessions.ts → http/http-refusal.ts). The codes are the wire contract
// (@jitgate/contracts, client-handshake.ts).
import type { HandshakeCode, HandshakeStatus } from '@jitgate/contracts';

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
