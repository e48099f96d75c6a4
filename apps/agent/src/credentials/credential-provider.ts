// Target credentials stay in the customer's network: the gateway only names where the agent
// finds one (ConnectionAssignment.credential_ref) and the value never travels back.
// References are read at use time, so a rotated Secret (env via restart, file in place) applies
// to the next session without restarting anything. Errors name the reference, never the value.
// `gcp-sa:<account>` and `gcp-adc` are minted, not read: by GcpTokenBroker, per session, bounded by
// the session's grant (CredentialContext) and shaped by the connection's settings (GcpTokenWanted).
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';
import { CREDENTIAL_ENV_NAME_PATTERN } from '@jitgate/contracts';
import { CredentialError, type CredentialErrorCode } from './credential-error.js';
import { DEFAULT_GCP_SCOPES, type GcpTokenBroker } from './gcp-token-broker.js';
import { SecretValue } from './secret-value.js';

export type CredentialRef = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'gcp-adc' } | { kind: 'gcp-sa'; account: string };

export { CredentialError, type CredentialErrorCode };

/** What a session asks of a Google token, from its connection's settings. */
export type GcpTokenWanted =
  | {
      kind: 'access';
      /** Default: cloud-platform. */
      scopes?: readonly string[];
      delegates?: readonly string[];
      /** settings.targetServiceAccount: must match a `gcp-sa:` account; with `gcp-adc`, the account to impersonate. */
      targetServiceAccount?: string;
    }
  | { kind: 'id'; audience: string; includeEmail?: boolean; delegates?: readonly string[]; targetServiceAccount?: string };

/** The session a credential is resolved for. gcp references need it; env: and file: ignore it. */
export interface CredentialContext {
  /** The session's grant end (SessionOpen.grant_expires_at): no minted token outlives it. */
  grantExpiresAtUnixMs: number;
  /** Default: an access token with the cloud-platform scope. */
  gcp?: GcpTokenWanted;
}

export interface CredentialProvider {
  /** The credential now; throws CredentialError. */
  resolve(ref: string, context?: CredentialContext): Promise<SecretValue>;
  /** Whether `resolve` would succeed now, for the logs at Welcome; never returns the value. */
  check(ref: string): Promise<{ ok: true } | { ok: false; code: CredentialErrorCode; message: string }>;
}

export interface CredentialProviderOptions {
  readEnv: (name: string) => string | undefined;
  /** Files that must never be handed out, whatever the gateway asks: the agent token file. */
  protectedFiles?: readonly string[];
  /** Mints `gcp-sa:` and `gcp-adc` tokens; without it those references are refused as unsupported. */
  gcp?: GcpTokenBroker;
}

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
      if (!CREDENTIAL_ENV_NAME_PATTERN.test(rest)) throw new CredentialError('invalid_ref', 'env: needs an upper-case variable name (env:NAME)');
      return { kind: 'env', name: rest };
    case 'file':
      if (!isAbsolute(rest) || normalize(rest) !== rest || rest.includes('\0')) throw new CredentialError('invalid_ref', 'file: needs an absolute, normalised path (file:/path)');
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

  async resolve(ref: string, context?: CredentialContext): Promise<SecretValue> {
    const parsed = parseCredentialRef(ref);
    switch (parsed.kind) {
      case 'env':
        return this.fromEnv(parsed.name);
      case 'file':
        return this.fromFile(parsed.path);
      case 'gcp-adc':
      case 'gcp-sa':
        return this.fromGoogle(parsed, context);
    }
  }

  async check(ref: string): Promise<{ ok: true } | { ok: false; code: CredentialErrorCode; message: string }> {
    try {
      const parsed = parseCredentialRef(ref);
      // A gcp token is minted per session: here, only whether the agent's own identity works.
      if (parsed.kind === 'gcp-adc' || parsed.kind === 'gcp-sa') await this.broker(parsed.kind).checkIdentity();
      else await this.resolve(ref);
      return { ok: true };
    } catch (error) {
      if (error instanceof CredentialError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  }

  private async fromGoogle(ref: Extract<CredentialRef, { kind: 'gcp-adc' | 'gcp-sa' }>, context: CredentialContext | undefined): Promise<SecretValue> {
    const broker = this.broker(ref.kind);
    const wanted: GcpTokenWanted = context?.gcp ?? { kind: 'access' };
    let account: string | undefined;
    if (ref.kind === 'gcp-sa') {
      if (wanted.targetServiceAccount !== undefined && wanted.targetServiceAccount !== ref.account)
        throw new CredentialError('invalid_ref', `gcp-sa:${ref.account} and the connection's targetServiceAccount ${wanted.targetServiceAccount} disagree`);
      account = ref.account;
    } else {
      account = wanted.targetServiceAccount;
    }
    if (account === undefined) {
      // gcp-adc, nobody to impersonate: the agent's own token, whose lifetime ADC decides.
      return wanted.kind === 'id' ? (await broker.agentIdToken(wanted.audience)).value : (await broker.agentAccessToken()).value;
    }
    if (!context) throw new CredentialError('invalid_ref', `gcp-sa:${account} tokens are minted per session and need the session's grant end`);
    const common = { account, delegates: wanted.delegates, grantExpiresAtUnixMs: context.grantExpiresAtUnixMs };
    const token =
      wanted.kind === 'id'
        ? await broker.idToken({ ...common, audience: wanted.audience, includeEmail: wanted.includeEmail })
        : await broker.accessToken({ ...common, scopes: wanted.scopes ?? DEFAULT_GCP_SCOPES });
    return token.value;
  }

  private broker(kind: 'gcp-adc' | 'gcp-sa'): GcpTokenBroker {
    if (!this.options.gcp) throw new CredentialError('unsupported', `${kind} credentials are not configured on this agent`);
    return this.options.gcp;
  }

  private fromEnv(name: string): SecretValue {
    if (name.startsWith(FORBIDDEN_ENV_PREFIX)) throw new CredentialError('forbidden', `env:${name} is one of the agent's own settings and is never used as a target credential`);
    const value = this.options.readEnv(name);
    if (value === undefined || value === '') throw new CredentialError('missing', `environment variable ${name} is not set`);
    return new SecretValue(value);
  }

  private async fromFile(path: string): Promise<SecretValue> {
    if (this.protectedFiles.has(path) || FORBIDDEN_DIRS.some((dir) => path.startsWith(dir))) throw new CredentialError('forbidden', `file:${path} is not a place the agent reads credentials from`);
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
