// Refusals on the HTTP path (docs/http.md, the refusal table). A refusal carries its code in the
// `x-jitgate-error` header: the agent's to the gateway, the gateway's to its caller (and to
// `jitgate connect`, which looks for no_grant and unauthenticated). `x-jitgate-*` is jitgate's own
// vocabulary: the gateway drops it from callers' requests and the agent from targets' answers,
// so that neither a caller nor a target can forge a refusal.

export const JITGATE_HEADER_PREFIX = 'x-jitgate-';
export const JITGATE_ERROR_HEADER = 'x-jitgate-error';

/** The gateway's refusals on its HTTP port; the agent's pass through under the same codes. */
export const HTTP_REFUSAL_CODES = [
  'unauthenticated',
  'no_grant',
  'blocked',
  'denied',
  'approval_timed_out',
  'not_found',
  'bad_request',
  'too_large',
  'rate_limited',
  'too_large_to_mask',
  'unmaskable_body',
  'no_agent',
  'target_unreachable',
  'target_timeout',
  'credential_unavailable',
  'session_ended',
  'unavailable',
  'internal',
] as const;
export type HttpRefusalCode = (typeof HTTP_REFUSAL_CODES)[number];

/** The agent's refusals of one forwarded request, and the status each is answered with. */
export const AGENT_HTTP_ERRORS = {
  /** The gateway sent a request the agent does not forward (absolute-form, CONNECT, Upgrade…). */
  bad_request: 400,
  /** The session's grant has ended by the agent's clock: nothing more goes to the target. */
  no_grant: 403,
  /** The token for the target could not be minted or read. */
  credential_unavailable: 502,
  /** The target refused the connection, reset it, or failed TLS. */
  target_unreachable: 502,
  /** The target did not connect or answer in time. */
  target_timeout: 504,
  /** A fault of the agent itself; the agent's log has the detail. */
  internal: 500,
} as const satisfies Partial<Record<HttpRefusalCode, number>>;
export type AgentHttpErrorCode = keyof typeof AGENT_HTTP_ERRORS;

export function isAgentHttpErrorCode(code: string): code is AgentHttpErrorCode {
  return Object.hasOwn(AGENT_HTTP_ERRORS, code);
}
