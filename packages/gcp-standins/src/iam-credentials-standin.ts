// A stand-in for the IAM Service Account Credentials API (iamcredentials.googleapis.com), served
// over gRPC from the .proto files @google-cloud/iam-credentials ships, so that the real client
// talks to it unchanged (`apiEndpoint`, `port`, `sslCreds: createInsecure()`). It checks what
// Google checks, so that a test fails when the agent asks for too much:
//   - the caller's bearer token was issued by the OAuth stand-in and has not expired;
//   - `name` and `delegates` are `projects/-/serviceAccounts/<account>`;
//   - every hop of caller → delegates… → target holds roles/iam.serviceAccountTokenCreator
//     (modelled as a list of member → service account bindings);
//   - scopes are non-empty and within an allowed set; `lifetime` ≤ 3600 s (unset means 3600 s);
//   - an ID token has an audience.
// Access tokens are deterministic (`accessTokenFor`), so a test can set one as a password first;
// each one minted is registered with its account, scopes and expiry (`tokenInfo`), which is how
// the BigQuery and Cloud Storage stand-ins tell a live token from a stale or forged one.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AccessTokenRegistry, type AccessTokenInfo } from './access-token-registry.js';
import { signIdToken } from './oauth-token-standin.js';

export interface TokenCreatorBinding {
  /** The principal that holds the role (a service account e-mail). */
  member: string;
  /** The service account it may mint tokens for. */
  serviceAccount: string;
}

export interface IamCall {
  method: 'GenerateAccessToken' | 'GenerateIdToken';
  caller: string | undefined;
  name: string;
  delegates: string[];
  scope: string[];
  /** What the request asked for; undefined when `lifetime` was not set (Google then uses 1 h). */
  lifetimeSeconds: number | undefined;
  audience: string;
  includeEmail: boolean;
  /** `OK` or the gRPC status name of the refusal. */
  outcome: string;
}

export interface IamCredentialsStandinOptions {
  /** Who a bearer token belongs to: the OAuth stand-in's `principalOf`. */
  principalOf: (accessToken: string) => { clientEmail: string } | undefined;
  tokenCreators: readonly TokenCreatorBinding[];
  allowedScopes: readonly string[];
  /** Default 3600 s, the API's default maximum. */
  maxLifetimeSeconds?: number;
  now?: () => number;
  /** Seeds the deterministic access tokens. */
  seed?: string;
}

export interface IamCredentialsStandin {
  readonly host: string;
  readonly port: number;
  readonly calls: readonly IamCall[];
  /** The access token GenerateAccessToken returns for this account and these scopes. */
  accessTokenFor(account: string, scopes: readonly string[]): string;
  /** Every token minted so far (access and ID tokens), for log-scanning tests. */
  mintedTokens(): string[];
  /** Google's tokeninfo for an access token minted here: undefined when unknown or expired. */
  tokenInfo(accessToken: string): AccessTokenInfo | undefined;
  readonly idTokenPublicKeyPem: string;
  close(): Promise<void>;
}

const SA_PREFIX = 'projects/-/serviceAccounts/';
const permissionDenied = (permission: string): string => `Permission '${permission}' denied on resource (or it may not exist).`;

/** Where the shipped protos live: the client package's own, and google-gax's for google/api. */
function protoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const clientDir = dirname(require.resolve('@google-cloud/iam-credentials/package.json'));
  const gaxMain = require.resolve('google-gax', { paths: [clientDir] });
  return [join(clientDir, 'build', 'protos'), join(dirname(gaxMain), '..', 'protos')];
}

/** google.iam.credentials.v1.IAMCredentials, loaded from the shipped .proto files. */
export function loadIamCredentialsService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync('google/iam/credentials/v1/iamcredentials.proto', {
    includeDirs: protoDirs(),
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { iam: { credentials: { v1: { IAMCredentials: { service: grpc.ServiceDefinition } } } } };
  };
  return loaded.google.iam.credentials.v1.IAMCredentials.service;
}

class Refusal extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

interface DurationMessage {
  seconds: string;
  nanos: number;
}

export async function startIamCredentialsStandin(options: IamCredentialsStandinOptions): Promise<IamCredentialsStandin> {
  const now = options.now ?? Date.now;
  const maxLifetime = options.maxLifetimeSeconds ?? 3600;
  const seed = options.seed ?? 'jitgate-standin';
  const calls: IamCall[] = [];
  const minted: string[] = [];
  const registry = new AccessTokenRegistry(now);
  const idKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const service = loadIamCredentialsService();

  const accessTokenFor = (account: string, scopes: readonly string[]): string =>
    `ya29.standin-sa-${createHash('sha256')
      .update(`${seed}\n${account}\n${[...scopes].sort().join(' ')}`)
      .digest('base64url')}`;

  function account(resource: string, field: string): string {
    if (!resource.startsWith(SA_PREFIX) || resource.length === SA_PREFIX.length || resource.slice(SA_PREFIX.length).includes('/'))
      throw new Refusal(grpc.status.INVALID_ARGUMENT, `${field} must be of the form projects/-/serviceAccounts/{ACCOUNT_EMAIL_OR_UNIQUEID}`);
    return resource.slice(SA_PREFIX.length);
  }

  /** Authenticates the caller and walks the delegation chain; returns the caller and target. */
  function authorize(metadata: grpc.Metadata, name: string, delegates: string[], permission: string): { caller: string; target: string } {
    const header = metadata.get('authorization').map(String);
    if (header.length !== 1 || !header[0]?.startsWith('Bearer ')) throw new Refusal(grpc.status.UNAUTHENTICATED, 'Request is missing required authentication credential. Expected OAuth 2 access token.');
    const principal = options.principalOf(header[0].slice('Bearer '.length));
    if (!principal) throw new Refusal(grpc.status.UNAUTHENTICATED, 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    const target = account(name, 'name');
    const chain = [principal.clientEmail, ...delegates.map((d) => account(d, 'delegates')), target];
    for (let i = 0; i + 1 < chain.length; i++) {
      const allowed = options.tokenCreators.some((b) => b.member === chain[i] && b.serviceAccount === chain[i + 1]);
      if (!allowed) throw new Refusal(grpc.status.PERMISSION_DENIED, permissionDenied(permission));
    }
    return { caller: principal.clientEmail, target };
  }

  function record(call: Omit<IamCall, 'outcome' | 'caller'>, metadata: grpc.Metadata, run: () => { caller: string; response: object }, callback: grpc.sendUnaryData<object>): void {
    let caller: string | undefined;
    try {
      const result = run();
      caller = result.caller;
      calls.push({ ...call, caller, outcome: 'OK' });
      callback(null, result.response);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      const bearer = metadata.get('authorization').map(String)[0];
      caller = bearer ? options.principalOf(bearer.replace(/^Bearer /, ''))?.clientEmail : undefined;
      calls.push({ ...call, caller, outcome: grpc.status[error.code] });
      callback({ code: error.code, details: error.message });
    }
  }

  const implementation: grpc.UntypedServiceImplementation = {
    GenerateAccessToken(call: grpc.ServerUnaryCall<{ name: string; delegates: string[]; scope: string[]; lifetime: DurationMessage | null }, object>, callback: grpc.sendUnaryData<object>) {
      const request = call.request;
      const lifetimeSeconds = request.lifetime ? Number(request.lifetime.seconds) + request.lifetime.nanos / 1e9 : undefined;
      record(
        { method: 'GenerateAccessToken', name: request.name, delegates: request.delegates, scope: request.scope, lifetimeSeconds, audience: '', includeEmail: false },
        call.metadata,
        () => {
          const { caller, target } = authorize(call.metadata, request.name, request.delegates, 'iam.serviceAccounts.getAccessToken');
          if (request.scope.length === 0) throw new Refusal(grpc.status.INVALID_ARGUMENT, 'Scope required.');
          const refused = request.scope.filter((scope) => !options.allowedScopes.includes(scope));
          if (refused.length > 0) throw new Refusal(grpc.status.INVALID_ARGUMENT, `Invalid scope: ${refused.join(' ')}`);
          const lifetime = lifetimeSeconds ?? 3600;
          if (lifetime > maxLifetime || lifetime <= 0)
            throw new Refusal(grpc.status.INVALID_ARGUMENT, `The lifetime must be at most ${maxLifetime} s (constraints/iam.allowServiceAccountCredentialLifetimeExtension).`);
          const accessToken = accessTokenFor(target, request.scope);
          minted.push(accessToken);
          const expireMs = now() + Math.round(lifetime * 1000);
          registry.record(accessToken, { serviceAccount: target, scopes: request.scope, expiresAtMs: expireMs });
          return { caller, response: { accessToken, expireTime: { seconds: String(Math.floor(expireMs / 1000)), nanos: (expireMs % 1000) * 1e6 } } };
        },
        callback,
      );
    },
    GenerateIdToken(call: grpc.ServerUnaryCall<{ name: string; delegates: string[]; audience: string; includeEmail: boolean }, object>, callback: grpc.sendUnaryData<object>) {
      const request = call.request;
      record(
        { method: 'GenerateIdToken', name: request.name, delegates: request.delegates, scope: [], lifetimeSeconds: undefined, audience: request.audience, includeEmail: request.includeEmail },
        call.metadata,
        () => {
          const { caller, target } = authorize(call.metadata, request.name, request.delegates, 'iam.serviceAccounts.getOpenIdToken');
          if (!request.audience) throw new Refusal(grpc.status.INVALID_ARGUMENT, 'Audience required.');
          const token = signIdToken(idKeys.privateKey, { aud: request.audience, email: request.includeEmail ? target : undefined, now: now() });
          minted.push(token);
          return { caller, response: { token } };
        },
        callback,
      );
    },
  };

  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));

  return {
    host: '127.0.0.1',
    port,
    calls,
    accessTokenFor,
    mintedTokens: () => [...minted],
    tokenInfo: (accessToken) => registry.introspect(accessToken),
    idTokenPublicKeyPem: idKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
