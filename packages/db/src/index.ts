export * from './generated/prisma/client.js';
export { applyMigrations, loadMigrations, diffSchemaAgainstMigrations, MIGRATIONS_DIR, SCHEMA_PATH } from './migrations.js';
export { createDatabaseIfMissing, dropDatabase } from './database-admin.js';
export { boundedPoolOptions, createPrismaClient } from './prisma-client.factory.js';
