// Calling a connection through the gateway's HTTP port (docs/http.md, "Calling through the
// gateway"): `/c/<connection>` and then the target's own path and query. `jitgate connect`
// builds these paths; the gateway parses them and rewrites the target's redirects under them.
import { NAME_PATTERN } from './names.js';

export const HTTP_ROUTE_PREFIX = '/c/';

export interface HttpRoute {
  connection: string;
  /** The target's path and query, always starting with "/". */
  target: string;
}

const ROUTE = new RegExp(`^${HTTP_ROUTE_PREFIX}(${NAME_PATTERN.source.slice(1, -1)})(?=$|[/?])`);

/** The gateway path of `target` (a path and query starting with "/") on `connection`. */
export function httpRoutePath(connection: string, target = ''): string {
  return `${HTTP_ROUTE_PREFIX}${connection}${target}`;
}

export function parseHttpRoute(url: string | undefined): HttpRoute | null {
  if (!url) return null;
  const match = ROUTE.exec(url);
  if (!match) return null;
  const connection = match[1] as string;
  const rest = url.slice(match[0].length);
  return { connection, target: rest.startsWith('/') ? rest : `/${rest}` };
}
