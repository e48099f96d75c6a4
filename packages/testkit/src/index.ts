export { ApiClient, type ApiResponse } from './api-client.js';
export {
  allowConnections,
  createConnection,
  createIdentity,
  createOrdersAndScratch,
  createPolicy,
  createTcpConnection,
  eventually,
  registerAgent,
  requestGrant,
  sleep,
  type TestGrant,
  type TestIdentity,
  within,
} from './fixtures.js';
export { connectPg, queryDatabase, type PgClient, type PgError } from './pg-client.js';
export { deleteRedisKeys, REDIS_URL } from './redis-keys.js';
export { OwnRedisServer } from './redis-server.js';
export { TcpRelay } from './tcp-relay.js';
export { createMigratedDatabase } from './test-database.js';
export { connectClient, echo, exchange, rawClient, TunnelClient } from './tunnel-client.js';
