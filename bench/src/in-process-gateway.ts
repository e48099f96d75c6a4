// The gateway as a Nest application inside the bench's own process, on the bench's database and
// Redis prefix: for the benches that call its services directly (grant check, write path).
import { createGatewayApp, parseConfig } from '@jitgate/gateway/in-process';
import { DATA_PLANE_ENV } from './gateway-process.js';
import type { BenchWorld } from './setup.js';

export async function startInProcessGateway(world: BenchWorld) {
  const config = parseConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: world.databaseUrl,
    DATABASE_POOL_SIZE: String(world.poolSize),
    REDIS_URL: world.redisUrl,
    JITGATE_REDIS_PREFIX: world.redisPrefix,
    LOG_LEVEL: 'warn',
    ...DATA_PLANE_ENV,
  });
  const app = await createGatewayApp(config);
  await app.init();
  return app;
}
