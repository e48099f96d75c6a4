// Runs `prisma generate` offline. The CLI insists that a schema-engine binary exists before it
// generates anything, but generation itself never calls it (Prisma 7 clients use driver
// adapters), so any existing file satisfies the check. See ../shared/ENVIRONMENT.md.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const schema = path.resolve(here, '../../../prisma/schema.prisma');

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
