// The agent token, from the environment or from a mounted Secret file. The file is read at every
// dial, not once, so a rotated token is used from the next reconnect on without a restart.
import { readFile } from 'node:fs/promises';
import { AGENT_TOKEN_PATTERN } from '@jitgate/contracts';
import type { TokenSetting } from '../config/config.schema.js';
import { SecretValue } from './secret-value.js';

export interface TokenSource {
  read(): Promise<SecretValue>;
}

export class TokenFileError extends Error {}

export function createTokenSource(setting: TokenSetting): TokenSource {
  if (setting.source === 'value') {
    const value = setting.value;
    return { read: async () => value };
  }
  const path = setting.path;
  return {
    async read() {
      let text: string;
      try {
        text = (await readFile(path, 'utf8')).trim();
      } catch (error) {
        throw new TokenFileError(`token file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (!AGENT_TOKEN_PATTERN.test(text)) throw new TokenFileError(`token file ${path} does not hold an agent token (jga_…)`);
      return new SecretValue(text);
    },
  };
}
