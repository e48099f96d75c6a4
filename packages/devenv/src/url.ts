/** The URL with its password replaced, for logs and the `pnpm dev` banner. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/** `raw` with its host and port replaced, keeping user, database and query. */
export function withHostPort(raw: string, host: string, port: number): string {
  const url = new URL(raw);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

/** `raw` pointing at another database on the same server. */
export function withDatabase(raw: string, database: string): string {
  const url = new URL(raw);
  url.pathname = `/${database}`;
  return url.toString();
}
