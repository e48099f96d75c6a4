// `pnpm dev`'s settings, read once from the environment.
//
// Environment (read here and nowhere else in the dev scripts):
//   DATABASE_URL             use this PostgreSQL and nothing else (no embedded fallback when set)
//   REDIS_URL                use this Redis and nothing else (no redis-server fallback when set)
//   PORT                     the gateway's HTTP port, default 8080
//   JITGATE_TUNNEL_PORT      the port agents dial, default 8443
//   JITGATE_TCP_PORT         the port `jitgate connect` uses, default 8444
//   JITGATE_PG_PORT          the port Postgres clients (psql) use, default 5433
//   JITGATE_BOOTSTRAP_TOKEN  the admin token to use instead of the one kept in .data/
//   JITGATE_ADMIN_GROUP      the gateway's admin group, default jitgate-admins
//   NODE_ENV                 passed to the gateway, default "development"
// Everything else in the environment is passed to the gateway as it is.
import { ADMIN_TOKEN_SHAPE } from './dev-secrets.mjs';

export function readDevConfig(env, warn) {
  const port = (name, fallback) => {
    const value = env[name] || fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
      warn(`${name} must be a TCP port number, got ${JSON.stringify(value)}`);
      process.exit(1);
    }
    return Number(value);
  };
  const bootstrapToken = env.JITGATE_BOOTSTRAP_TOKEN || undefined;
  if (bootstrapToken !== undefined && !ADMIN_TOKEN_SHAPE.test(bootstrapToken)) {
    warn('JITGATE_BOOTSTRAP_TOKEN must look like jg_ followed by 32 to 128 URL-safe characters');
    process.exit(1);
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    port: port('PORT', '8080'),
    tunnelPort: port('JITGATE_TUNNEL_PORT', '8443'),
    tcpPort: port('JITGATE_TCP_PORT', '8444'),
    pgPort: port('JITGATE_PG_PORT', '5433'),
    httpPort: port('JITGATE_HTTP_PORT', '8480'),
    bootstrapToken,
    adminGroup: env.JITGATE_ADMIN_GROUP || 'jitgate-admins',
    tunnelInsecure: (env.JITGATE_TUNNEL_INSECURE ?? 'true') === 'true',
    nodeEnv: env.NODE_ENV || 'development',
  };
}
