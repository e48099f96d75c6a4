// Names that travel between processes: a connection's name (in the handshake line, the HTTP
// route, an agent's Hello, the CLI's arguments), an agent's name and group, labels. Lower case,
// so that a name reads the same in logs, URLs and SQL comments.
import { z } from 'zod';

/** Connection, agent and agent group names: a letter or digit, then up to 62 of `a-z 0-9 . _ -`. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_RULE = 'lower-case letters, digits, ".", "_" and "-", at most 63, starting with a letter or digit';

export const connectionName = z.string().regex(NAME_PATTERN, NAME_RULE);
/** The name an agent is registered under and gives in Hello. */
export const agentName = z.string().regex(NAME_PATTERN, NAME_RULE);
export const agentGroup = z.string().regex(NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-"');

export function isConnectionName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Label keys may also hold "/" (`team/owner`); values are free text of at most 63 characters. */
export const LABEL_KEY_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
export const MAX_LABEL_VALUE_LENGTH = 63;
export const MAX_LABELS = 32;

export const labels = z.record(z.string().regex(LABEL_KEY_PATTERN), z.string().max(MAX_LABEL_VALUE_LENGTH)).refine((v) => Object.keys(v).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);
