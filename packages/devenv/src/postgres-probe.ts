import pg from 'pg';
import { ServiceRefusedError, type ProbeResult } from './local-service.js';
import { describeError } from './net.js';
import { redactUrl } from './url.js';

/** SQLSTATEs that still prove a working server answered (the caller creates the database). */
const ANSWERING_SQLSTATES = new Set([
  '3D000', // invalid_catalog_name: the server is fine, the database is not created yet
]);
/** SQLSTATEs of a server that is not ready yet: treat like no server. */
const NOT_READY_SQLSTATES = new Set([
  '57P03', // cannot_connect_now: starting up or shutting down
]);

/**
 * Connects to `url` and runs `SELECT 1`. A server that refuses us (authentication, unknown role)
 * throws ServiceRefusedError rather than reporting "down": falling back to another server
 * would hide a misconfigured DATABASE_URL.
 */
export async function probePostgres(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that goes away mid-probe emits 'error' on the client; the query rejects as well.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { up: true };
  } catch (error) {
    const sqlstate = (error as { code?: unknown }).code;
    if (typeof sqlstate === 'string' && ANSWERING_SQLSTATES.has(sqlstate)) return { up: true };
    if (typeof sqlstate === 'string' && NOT_READY_SQLSTATES.has(sqlstate)) return { up: false, reason: describeError(error) };
    if (typeof sqlstate === 'string' && /^[0-9A-Z]{5}$/.test(sqlstate)) {
      throw new ServiceRefusedError(`PostgreSQL at ${redactUrl(url)} answered but refused the connection (SQLSTATE ${sqlstate}): ${describeError(error)}`);
    }
    // Connection-level failures (ECONNREFUSED and the like) and pg's own "timeout" and
    // "terminated unexpectedly" errors, which carry no code: nothing usable listens there.
    return { up: false, reason: describeError(error) };
  } finally {
    await client.end().catch(() => {});
  }
}
