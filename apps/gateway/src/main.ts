// CEL's time functions (policy conditions) read the process's local zone; policies are written
// against UTC. Set before anything reads the clock.
process.env.TZ = 'UTC';
import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createGatewayApp } from './app.factory.js';
import { ConfigError, loadConfigFromProcessEnv } from './platform/config/config.schema.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcessEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`jitgate-gateway: ${error.message}\nSee .env.example and the README for every setting.\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createGatewayApp(config);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  // nestjs-pino's Logger takes the last argument as the context: name one, or the message
  // would become the context and the line would have no msg.
  app.get(Logger).log({ port, modes: config.modes }, `jitgate gateway (${config.modes.join(', ')}) listening on ${config.http.host}:${port}`, 'Main');

  // Graceful: stop taking requests, finish the ones in flight, close workers and pools. A second
  // signal, or a shutdown that hangs, ends the process anyway.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => process.exit(1), config.http.shutdownTimeoutSeconds * 1000).unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
    process.stderr.write(`jitgate-gateway: ${signal}, shutting down\n`);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`jitgate-gateway: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
