import { embeddedUrl, startEmbeddedPostgres } from './embedded-postgres.js';
import type { LocalService, Log } from './local-service.js';
import { probePostgres } from './postgres-probe.js';
import { redactUrl } from './url.js';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/jitgate';

export interface EnsurePostgresOptions {
  /** The server to use when it answers; DEFAULT_DATABASE_URL when absent. */
  url?: string;
  /** Where the embedded fallback keeps its cluster (`<repo>/.data/postgres` for `pnpm dev`). */
  dataDir: string;
  log: Log;
  /**
   * False when the caller named the server explicitly (DATABASE_URL set): then a server that
   * does not answer is an error, not a reason to quietly start another one.
   */
  fallback?: boolean;
}

/**
 * A PostgreSQL to develop against: the one at `url` when it answers, otherwise an embedded
 * PostgreSQL 18 on a free port with its data in `dataDir`. The returned URL names the same
 * database as `url`; the caller creates it (it may not exist yet on either server).
 */
export async function ensurePostgres(options: EnsurePostgresOptions): Promise<LocalService> {
  const url = options.url ?? DEFAULT_DATABASE_URL;
  const probe = await probePostgres(url);
  if (probe.up) return { url, source: 'existing', stop: async () => {} };
  if (options.fallback === false) {
    throw new Error(`PostgreSQL does not answer at ${redactUrl(url)} (${probe.reason}); start it, or unset DATABASE_URL to use the embedded one`);
  }
  options.log(`PostgreSQL does not answer at ${redactUrl(url)} (${probe.reason}); starting the embedded PostgreSQL`);
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'jitgate';
  const embedded = await startEmbeddedPostgres(options.dataDir, options.log);
  // A cluster another process runs (a second `pnpm dev`) is borrowed, not ours to stop.
  return { url: embeddedUrl(embedded.port, database), source: embedded.owned ? 'embedded' : 'existing', stop: embedded.stop };
}
