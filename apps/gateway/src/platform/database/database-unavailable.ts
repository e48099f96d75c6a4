// Is this error the database being out of reach (down, restarting, refusing connections, the
// pool starved), as opposed to a bug or a bad request? Such errors are answered as
// `unavailable` (REST 503 with Retry-After; the data plane's 503 refusal), so that callers know
// to retry, and are told nothing of the database's address or its message.
const PRISMA_UNREACHABLE = new Set([
  'P1001', // can't reach the database server
  'P1002', // the server was reached but timed out
  'P1008', // operation timed out
  'P1017', // the server closed the connection
  'P2024', // timed out fetching a connection from the pool
]);

const PG_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53000', // insufficient_resources
  '53100', // disk_full: the server's disk ran short; reads may work, writes do not
  '53200', // out_of_memory
  '53300', // too_many_connections
]);

/** node-postgres says these in words only. */
const PG_UNREACHABLE_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /^Client has encountered a connection error/, /^Query read timeout/];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { name, code, message, cause } = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (name === 'PrismaClientInitializationError') return true;
  if (typeof code === 'string' && (PRISMA_UNREACHABLE.has(code) || PG_UNREACHABLE.has(code))) return true;
  if (typeof message === 'string' && PG_UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const adapterCause = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } }).meta?.driverAdapterError?.cause;
  const adapter = adapterCause?.kind;
  if (adapter === 'DatabaseNotReachable' || adapter === 'ConnectionClosed' || adapter === 'SocketTimeout' || adapter === 'TooManyConnections') return true;
  // A server error through Prisma's adapter: its SQLSTATE is there (a full disk, a server shutting down).
  if (adapter === 'postgres' && typeof adapterCause?.code === 'string' && PG_UNREACHABLE.has(adapterCause.code)) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** What a caller is told, on every front: no address, no driver message. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the gateway cannot reach its database right now; retry shortly';

/** Seconds a caller told `unavailable` is asked to wait before retrying. */
export const RETRY_AFTER_SECONDS = 5;
