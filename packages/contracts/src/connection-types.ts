// The kinds of connection. The gateway stores one per connection (the Prisma enum
// ConnectionType holds the same list), policies match on it, the agent picks its dialer by it,
// and the CLI tells a TCP connection from one carried request by request.
export const CONNECTION_TYPES = ['postgres', 'tcp', 'http', 'bigquery', 'gcs', 'cloudrun', 'mcp'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

/** Connections carried request by request on the gateway's HTTP port (docs/http.md). */
export const HTTP_CONNECTION_TYPES = ['http', 'bigquery', 'gcs', 'cloudrun', 'mcp'] as const satisfies readonly ConnectionType[];
export type HttpConnectionType = (typeof HTTP_CONNECTION_TYPES)[number];

export function isConnectionType(type: string): type is ConnectionType {
  return (CONNECTION_TYPES as readonly string[]).includes(type);
}

export function isHttpConnectionType(type: string): type is HttpConnectionType {
  return (HTTP_CONNECTION_TYPES as readonly string[]).includes(type);
}
