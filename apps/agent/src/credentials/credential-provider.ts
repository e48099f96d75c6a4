// Target credentials stay in the customer's network: the gateway only names where the agent
// finds one (ConnectionAssignment.credential_ref) and the value never travels back.
// References are read at use time, so a rotated Secret (env via restart, file in place) applies
// to the next session without restarting anything. Errors name the reference, never the value.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';
import { SecretValue } from './secret-value.js';

export type CredentialRef = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'gcp-adc' } | { kind: 'gcp-sa'; account: string };

export type CredentialErrorCode = 'invalid_ref' | 'unsupported' | 'missing' | 'forbidden';

export class CredentialError extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}

export interface CredentialProvider {
  /** The credential now; throws CredentialError. */
  resolve(ref: string): Promise<SecretValue>;
  /** Whether `resolve` would succeed now, for the logs at Welcome; never returns the value. */
  check(ref: string): Promise<{ ok: true } | { ok: false; code: CredentialErrorCode; message: string }>;
}

export interface CredentialProviderOptions {
  readEnv: (name: string) => string | undefined;
  /** Files that must never be handed out, whatever the gateway asks: the agent token file. */
  protectedFiles?: readonly string[];
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const MAX_FILE_BYTES = 1024 * 1024;
// The reference comes from the gateway. If a gateway were compromised, it must not be able to
// point a session's credential at the agent's own token (its settings, its environment block).
const FORBIDDEN_ENV_PREFIX = 'JITGATE_';
const FORBIDDEN_DIRS = ['/proc/', '/sys/', '/dev/'];

export function parseCredentialRef(ref: string): CredentialRef {
  if (ref === 'gcp-adc') return { kind: 'gcp-adc' };
  const colon = ref.indexOf(':');
  const scheme = colon < 0 ? ref : ref.slice(0, colon);
  const rest = colon < 0 ? '' : ref.slice(colon + 1);
  switch (scheme) {
    case 'env':
      if (!ENV_NAME.test(rest)) throw new CredentialError('invalid_ref', 'env: needs an upper-case variable name (env:NAME)');
      return { kind: 'env', name: rest };
    case 'file':
      if (!isAbsolute(rest) || normalize(rest) !== rest || rest.includes('\0'))
        throw new CredentialError('invalid_ref', 'file: needs an absolute, normalised path (file:/path)');
      return { kind: 'file', path: rest };
    case 'gcp-sa':
      if (rest.length < 3) throw new CredentialError('invalid_ref', 'gcp-sa: needs a service account (gcp-sa:<account>)');
      return { kind: 'gcp-sa', account: rest };
    default:
      throw new CredentialError('invalid_ref', 'unknown credential reference; expected env:NAME, file:/path, gcp-adc or gcp-sa:<account>');
  }
}

/** Strips the one trailing newline editors and `kubectl create secret --from-file` leave behind. */
const withoutTrailingNewline = (text: string): string => text.replace(/\r?\n$/, '');

export class LocalCredentialProvider implements CredentialProvider {
  private readonly protectedFiles: ReadonlySet<string>;

  constructor(private readonly options: CredentialProviderOptions) {
    this.protectedFiles = new Set((options.protectedFiles ?? []).map((file) => normalize(file)));
  }

  async resolve(ref: string): Promise<SecretValue> {
    const parsed = parseCredentialRef(ref);
    switch (parsed.kind) {
      case 'env':
        return this.fromEnv(parsed.name);
      case 'file':
        return this.fromFile(parsed.path);
      case 'gcp-adc':
      case 'gcp-sa':
        throw new CredentialError('unsupported', `${parsed.kind} credentials are not supported by this agent yet`);
    }
  }

  async check(ref: string): Promise<{ ok: true } | { ok: false; code: CredentialErrorCode; message: string }> {
    try {
      await this.resolve(ref);
      return { ok: true };
    } catch (error) {
      if (error instanceof CredentialError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  }

  private fromEnv(name: string): SecretValue {
    if (name.startsWith(FORBIDDEN_ENV_PREFIX)) throw new CredentialError('forbidden', `env:${name} is one of the agent's own settings and is never used as a target credential`);
    const value = this.options.readEnv(name);
    if (value === undefined || value === '') throw new CredentialError('missing', `environment variable ${name} is not set`);
    return new SecretValue(value);
  }

  private async fromFile(path: string): Promise<SecretValue> {
    if (this.protectedFiles.has(path) || FORBIDDEN_DIRS.some((dir) => path.startsWith(dir)))
      throw new CredentialError('forbidden', `file:${path} is not a place the agent reads credentials from`);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new CredentialError('missing', `${path} is not a regular file`);
      if (info.size > MAX_FILE_BYTES) throw new CredentialError('invalid_ref', `${path} is larger than 1 MiB`);
      const text = withoutTrailingNewline(await readFile(path, 'utf8'));
      if (text.length === 0) throw new CredentialError('missing', `${path} is empty`);
      return new SecretValue(text);
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CredentialError('missing', code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'error'})`);
    }
  }
}
