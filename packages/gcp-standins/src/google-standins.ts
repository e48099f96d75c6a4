// Both stand-ins wired together, with a key file for the agent's own identity written to a
// temporary directory: the usual set-up of a test that runs the real Google clients offline.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIamCredentialsStandin, type IamCredentialsStandin, type TokenCreatorBinding } from './iam-credentials-standin.js';
import { startOAuthTokenStandin, type OAuthTokenStandin } from './oauth-token-standin.js';
import { createServiceAccountKey, type ServiceAccountKey } from './service-account-key.js';

export interface GoogleStandinsOptions {
  /** The identity whose key file is written (the agent's ADC). */
  agentEmail: string;
  tokenCreators: readonly TokenCreatorBinding[];
  /** Scopes the IAM stand-in accepts in GenerateAccessToken. */
  allowedScopes: readonly string[];
  /** The IAM stand-in's clock (expire_time, ID token iat/exp). The OAuth stand-in keeps real time: google-auth-library signs with it. */
  now?: () => number;
}

export interface GoogleStandins {
  oauth: OAuthTokenStandin;
  iam: IamCredentialsStandin;
  agentKey: ServiceAccountKey;
  /** Path of the agent's key file (`keyFilename`, or GOOGLE_APPLICATION_CREDENTIALS). */
  keyFile: string;
  close(): Promise<void>;
}

export async function startGoogleStandins(options: GoogleStandinsOptions): Promise<GoogleStandins> {
  const oauth = await startOAuthTokenStandin();
  const iam = await startIamCredentialsStandin({
    principalOf: (token) => oauth.principalOf(token),
    tokenCreators: options.tokenCreators,
    allowedScopes: options.allowedScopes,
    now: options.now,
  });
  const agentKey = createServiceAccountKey({ clientEmail: options.agentEmail, tokenUri: oauth.tokenUri });
  oauth.addKey({ clientEmail: options.agentEmail, privateKeyId: agentKey.json.private_key_id, publicKeyPem: agentKey.publicKeyPem });
  const dir = await mkdtemp(join(tmpdir(), 'jitgate-gcp-standins-'));
  const keyFile = join(dir, 'agent-key.json');
  await writeFile(keyFile, JSON.stringify(agentKey.json), { mode: 0o600 });
  return {
    oauth,
    iam,
    agentKey,
    keyFile,
    async close() {
      await Promise.all([oauth.close(), iam.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
