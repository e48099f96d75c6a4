// The one place that decides whether a failed tunnel is worth dialling again.
import { status } from '@grpc/grpc-js';

export type TransportVerdict = { retry: true; reason: string } | { retry: false; reason: string };

/**
 * Authentication and permission failures are final: the token is wrong or revoked, and hammering
 * the gateway will not fix it (the agent exits and its supervisor reports it). Everything else —
 * the gateway restarting, a network blip, a load balancer resetting the stream — is retried.
 */
export function classifyTransportError(error: unknown): TransportVerdict {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  const details = typeof error === 'object' && error !== null && 'details' in error ? String((error as { details: unknown }).details) : String(error);
  switch (code) {
    case status.UNAUTHENTICATED:
      return { retry: false, reason: `the gateway refused the agent token: ${details}` };
    case status.PERMISSION_DENIED:
      return { retry: false, reason: `the gateway refused this agent: ${details}` };
    case status.INVALID_ARGUMENT:
    case status.UNIMPLEMENTED:
      return { retry: false, reason: `the gateway does not speak this agent's protocol: ${details}` };
    default:
      return { retry: true, reason: details };
  }
}
