// JSON logs with the agent's name and instance on every line; tunnels add `gateway`, sessions add
// `sessionId`/`sid`/`grantId`. Credentials are wrapped in SecretValue (they print as
// "[redacted]"); these paths are the second line of defence for anything passed by mistake.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'token',
  'authorization',
  'credential',
  'password',
  'secret',
  'privateKey',
  'private_key',
  'metadata',
  '*.token',
  '*.authorization',
  '*.credential',
  '*.password',
  '*.secret',
  '*.privateKey',
  '*.private_key',
  '*.metadata',
];

export interface LoggerOptions {
  level: string;
  agent: string;
  instance: string;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const settings = {
    level: options.level,
    base: { agent: options.agent, instance: options.instance },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
