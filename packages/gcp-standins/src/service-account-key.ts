// A service-account key file like the one `gcloud iam service-accounts keys create` writes, with
// a fresh RSA key and a `token_uri` of our choosing. Note: google-auth-library 10.x and 11.x do not
// read `token_uri` for service-account keys (they post to https://oauth2.googleapis.com/token), so
// a test also redirects the library's transporter to the OAuth stand-in (see the agent's
// googleAuthIdentity `tokenUrl`).
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export interface ServiceAccountKey {
  /** The JSON to write to a file (GOOGLE_APPLICATION_CREDENTIALS or `keyFilename`). */
  json: ServiceAccountKeyFile;
  /** What the OAuth stand-in needs to verify assertions signed with it. */
  publicKeyPem: string;
}

export function createServiceAccountKey(options: { clientEmail: string; tokenUri: string; projectId?: string }): ServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const projectId = options.projectId ?? options.clientEmail.split('@')[1]?.split('.')[0] ?? 'standin-project';
  return {
    json: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey,
      client_email: options.clientEmail,
      client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      token_uri: options.tokenUri,
    },
    publicKeyPem: publicKey,
  };
}
