// Where a caller's request goes (docs/http.md, "Calling through the gateway"): the first path
// segment after /c/ names the connection; the rest, query included, is the target's own path.
// The token is a bearer token in Authorization. Pure, so that every odd shape is tested.

export interface HttpRoute {
  connection: string;
  /** The target's path and query, always starting with "/". */
  target: string;
}

const CONNECTION = /^\/c\/([a-z0-9][a-z0-9._-]{0,62})(?=$|[/?])/;

export function parseRoute(url: string | undefined): HttpRoute | null {
  if (!url) return null;
  const match = CONNECTION.exec(url);
  if (!match) return null;
  const connection = match[1] as string;
  const rest = url.slice(match[0].length);
  return { connection, target: rest.startsWith('/') ? rest : `/${rest}` };
}

/** The token of `Authorization: Bearer <token>`, or undefined (any other scheme, or none). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([^\s]{1,8192})[ \t]*$/i.exec(header);
  return match?.[1];
}
