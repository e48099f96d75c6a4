// The local dev secrets `pnpm dev` keeps in `.data/` (git-ignored): the dev admin's token, the
// demo approver's token and the local agent's token. Each file holds one token and nothing
// else (the agent reads its file itself: JITGATE_AGENT_TOKEN_FILE), readable by the owner only.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The gateway's rule for JITGATE_BOOTSTRAP_TOKEN (apps/gateway/src/platform/config/config.schema.ts). */
export const ADMIN_TOKEN_SHAPE = /^jg_[A-Za-z0-9_-]{32,128}$/;

/** A token shaped like the gateway's own: "jg_" and 256 random bits in base64url. */
export function generateAdminToken() {
  return `jg_${randomBytes(32).toString('base64url')}`;
}

/** The token in `file`, or undefined when there is no such file or it is empty. */
export async function readSecret(file) {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text || undefined;
  } catch (error) {
    if (error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes the token with mode 0600, through a temporary file so a crash never leaves half a token. */
export async function writeSecret(file, token) {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${token}\n`, { mode: 0o600 });
  await chmod(partial, 0o600); // the mode above is masked by the umask; this is not
  await rename(partial, file);
}

export function removeSecret(file) {
  return rm(file, { force: true });
}
