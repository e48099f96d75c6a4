// The two Google side effects of the GCP token broker, each behind a small adapter so that the
// broker is tested with the real libraries against local stand-ins (gcp-token-broker.spec.ts)
// and could be replaced by fakes:
//   - AgentGoogleIdentity: the agent's own identity, Application Default Credentials through
//     google-auth-library (GOOGLE_APPLICATION_CREDENTIALS, the metadata server, gcloud's ADC file).
//   - IamCredentialsApi: iamcredentials.googleapis.com through @google-cloud/iam-credentials.
// The agent's bearer token is attached to each IAM call explicitly (call metadata), in production
// as in tests: google-gax attaches no credentials of its own once `sslCreds` is given, and so the
// same code path runs against the stand-in (insecure channel) and against Google (TLS).
import * as grpc from '@grpc/grpc-js';
import { IAMCredentialsClient } from '@google-cloud/iam-credentials';
import { GoogleAuth } from 'google-auth-library';
import { SecretValue } from './secret-value.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface AgentGoogleIdentity {
  /** The agent's own access token; google-auth-library caches and refreshes it. */
  accessToken(): Promise<{ token: SecretValue; expiresAtUnixMs: number | undefined }>;
  /** An ID token for `audience` as the agent itself (ADC). */
  idToken(audience: string): Promise<SecretValue>;
}

export interface GoogleIdentityOptions {
  /** A key file instead of ADC's own search (tests; a mounted key). */
  keyFilename?: string;
  scopes?: readonly string[];
  /**
   * Where a service-account key posts its signed JWT instead of https://oauth2.googleapis.com/token
   * (a Private Service Connect endpoint; the OAuth stand-in in tests). google-auth-library 10 and 11
   * ignore the key file's `token_uri` and hard-code that URL, so it is rewritten on the client's
   * own transporter.
   */
  tokenUrl?: string;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export function googleAuthIdentity(options: GoogleIdentityOptions = {}): AgentGoogleIdentity {
  const auth = new GoogleAuth({ keyFilename: options.keyFilename, scopes: [...(options.scopes ?? [CLOUD_PLATFORM_SCOPE])] });
  const redirected = new WeakSet<object>();
  const client = async () => {
    const found = await auth.getClient();
    if (options.tokenUrl && !redirected.has(found)) {
      const target = new URL(options.tokenUrl);
      found.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (config.url.toString() === GOOGLE_TOKEN_URL) config.url = target;
          return config;
        },
      });
      redirected.add(found);
    }
    return found;
  };
  return {
    async accessToken() {
      const found = await client();
      const { token } = await found.getAccessToken();
      if (!token) throw new Error('Application Default Credentials returned no access token');
      const expiry = found.credentials.expiry_date;
      return { token: new SecretValue(token), expiresAtUnixMs: typeof expiry === 'number' ? expiry : undefined };
    },
    async idToken(audience) {
      await client();
      const idClient = await auth.getIdTokenClient(audience);
      return new SecretValue(await idClient.idTokenProvider.fetchIdToken(audience));
    },
  };
}

/** A refusal or failure from the IAM Credentials API, by gRPC status name. No secret in it. */
export class IamApiError extends Error {
  constructor(
    readonly status: string,
    readonly details: string,
  ) {
    super(`${status}: ${details}`);
    this.name = 'IamApiError';
  }
}

export interface GenerateAccessTokenCall {
  name: string;
  delegates: readonly string[];
  scope: readonly string[];
  lifetimeSeconds: number;
}

export interface GenerateIdTokenCall {
  name: string;
  delegates: readonly string[];
  audience: string;
  includeEmail: boolean;
}

export interface IamCredentialsApi {
  generateAccessToken(call: GenerateAccessTokenCall, bearer: SecretValue): Promise<{ accessToken: SecretValue; expireTimeUnixMs: number | undefined }>;
  generateIdToken(call: GenerateIdTokenCall, bearer: SecretValue): Promise<{ token: SecretValue }>;
}

export interface IamCredentialsApiOptions {
  /** Default iamcredentials.googleapis.com:443 over TLS. */
  apiEndpoint?: string;
  port?: number;
  /** Default TLS with the system roots; tests pass `grpc.credentials.createInsecure()`. */
  sslCreds?: grpc.ChannelCredentials;
  /** Per call, including google-gax's retries of UNAVAILABLE. */
  timeoutMs?: number;
}

export function iamCredentialsApi(options: IamCredentialsApiOptions = {}): IamCredentialsApi {
  let client: IAMCredentialsClient | undefined;
  const timeout = options.timeoutMs ?? 10_000;
  // Built at first use: constructing it loads protos, and an agent without GCP connections never needs it.
  const get = (): IAMCredentialsClient =>
    (client ??= new IAMCredentialsClient({
      apiEndpoint: options.apiEndpoint,
      port: options.port,
      sslCreds: options.sslCreds ?? grpc.credentials.createSsl(),
      // Set explicitly so that google-gax never asks its own (unused) GoogleAuth for it.
      universeDomain: 'googleapis.com',
      grpc,
    }));
  const callOptions = (bearer: SecretValue) => ({ timeout, otherArgs: { headers: { authorization: `Bearer ${bearer.reveal()}` } } });
  return {
    async generateAccessToken(call, bearer) {
      try {
        const [response] = await get().generateAccessToken(
          { name: call.name, delegates: [...call.delegates], scope: [...call.scope], lifetime: { seconds: call.lifetimeSeconds, nanos: 0 } },
          callOptions(bearer),
        );
        if (!response.accessToken) throw new IamApiError('INTERNAL', 'the answer carries no access token');
        const expire = response.expireTime;
        const expireTimeUnixMs = expire?.seconds != null ? Number(expire.seconds) * 1000 + Math.floor((expire.nanos ?? 0) / 1e6) : undefined;
        return { accessToken: new SecretValue(response.accessToken), expireTimeUnixMs };
      } catch (error) {
        throw asIamApiError(error);
      }
    },
    async generateIdToken(call, bearer) {
      try {
        const [response] = await get().generateIdToken({ name: call.name, delegates: [...call.delegates], audience: call.audience, includeEmail: call.includeEmail }, callOptions(bearer));
        if (!response.token) throw new IamApiError('INTERNAL', 'the answer carries no ID token');
        return { token: new SecretValue(response.token) };
      } catch (error) {
        throw asIamApiError(error);
      }
    },
  };
}

/** google-gax errors carry a numeric gRPC `code` and the server's `details`. */
function asIamApiError(error: unknown): IamApiError {
  if (error instanceof IamApiError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  const details = typeof error === 'object' && error !== null && 'details' in error ? String((error as { details: unknown }).details) : '';
  const status = typeof code === 'number' ? (grpc.status[code] ?? 'UNKNOWN') : 'UNAVAILABLE';
  return new IamApiError(status, details || (error instanceof Error ? error.message : 'call failed'));
}
