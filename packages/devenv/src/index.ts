export { ensurePostgres, DEFAULT_DATABASE_URL, type EnsurePostgresOptions } from './postgres.js';
export { ensureRedis, DEFAULT_REDIS_URL, REDIS_INSTALL_HINT, type EnsureRedisOptions } from './redis.js';
export { createTestDatabase, DEFAULT_TEST_DATABASE_URL, type TestDatabase, type TestDatabaseOptions } from './test-database.js';
export { probePostgres } from './postgres-probe.js';
export { pingRedis } from './redis-probe.js';
export { ServiceRefusedError, type LocalService, type Log, type ProbeResult } from './local-service.js';
export { redactUrl } from './url.js';
