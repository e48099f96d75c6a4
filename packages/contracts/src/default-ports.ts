// The gateway's ports when nothing else is configured, and what a client assumes when it is
// told only the gateway's host (README.md: PORT, JITGATE_TUNNEL_PORT, …).
export const DEFAULT_PORTS = {
  /** The REST API (PORT). */
  api: 8080,
  /** The agents' gRPC tunnel (JITGATE_TUNNEL_PORT). */
  tunnel: 8443,
  /** The client listener that speaks the handshake line (JITGATE_TCP_PORT). */
  client: 8444,
  /** The Postgres listener (JITGATE_PG_PORT). */
  postgres: 5433,
  /** The HTTP port for HTTP-carried connections (JITGATE_HTTP_PORT). */
  http: 8480,
} as const;
