/// <reference path="./oidc-provider.d.ts" />
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { errors, Provider, type Adapter, type Configuration } from 'oidc-provider';
import { expect } from 'vitest';
import { OidcVerificationError, type OidcVerificationErrorCode } from '../../src/control-plane/identity/oidc/oidc-verification.error.js';

/**
 * A real oidc-provider on 127.0.0.1 issuing RFC 9068 JWT access tokens through the
 * client_credentials grant with an RFC 8707 resource indicator (the resource becomes `aud`).
 * Tests get tokens over HTTP exactly as a CI job or a CLI would.
 */

export type TestSigningAlg = 'RS256' | 'PS256' | 'ES256';

export interface TestClient {
  clientId: string;
  /** Added to every access token of this client; a function is evaluated per token (e.g. for nbf). */
  claims?: Record<string, unknown> | (() => Record<string, unknown>);
  /** Default 300. */
  accessTokenTtlSeconds?: number;
}

export interface OidcTestProviderOptions {
  clients: TestClient[];
  /** Resource indicators tokens may be issued for; the first is used when a request names none. */
  resources: [string, ...string[]];
  /** Default RS256. */
  alg?: TestSigningAlg;
}

export interface OidcTestProvider {
  readonly issuer: string;
  /** kid of the key that signs new tokens. */
  readonly signingKid: string;
  issueToken(clientId: string, resource?: string): Promise<string>;
  /**
   * Replaces the signing key with a fresh one (new kid) by swapping in a newly configured provider
   * on the same address, since oidc-provider fixes its keys at construction. `keepPrevious` keeps
   * publishing the old keys, as an issuer does during a rotation's overlap. Returns the new kid.
   */
  rotateKey(options?: { keepPrevious?: boolean }): Promise<string>;
  /** Closes the listener and its connections: the issuer becomes unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Asserts a refusal with `code` whose message leaks neither the token nor its signature. */
export async function expectRefusal(verification: Promise<unknown>, code: OidcVerificationErrorCode, token: string) {
  const error: unknown = await verification.then(
    () => new Error('token was accepted'),
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(OidcVerificationError);
  const { code: actual, message } = error as OidcVerificationError;
  expect(actual).toBe(code);
  if (token.length > 0) expect(message).not.toContain(token);
  const signature = token.split('.')[2];
  if (signature) expect(message).not.toContain(signature);
}

export function clientSecretOf(clientId: string): string {
  return `${clientId}-secret-for-tests-only`;
}

export async function generateSigningKey(alg: TestSigningAlg): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

export async function startOidcTestProvider(options: OidcTestProviderOptions): Promise<OidcTestProvider> {
  const alg = options.alg ?? 'RS256';
  const clients = new Map(options.clients.map((client) => [client.clientId, client]));
  const ttlOf = (clientId: string): number => clients.get(clientId)?.accessTokenTtlSeconds ?? 300;
  let keys: JWK[] = [(await generateSigningKey(alg)).privateJwk];

  const server = createServer();
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const adapter = memoryAdapter();
  const configuration = (): Configuration => ({
    adapter,
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: clientSecretOf(client.clientId),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    // The client default is RS256; a provider holding only EC keys refuses clients without this.
    clientDefaults: { id_token_signed_response_alg: alg },
    jwks: { keys: keys.map((key) => ({ ...key })) },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resources[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (!options.resources.includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'jitgate',
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttlOf(client.clientId),
            jwt: { sign: { alg } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const claims = token.clientId === undefined ? undefined : clients.get(token.clientId)?.claims;
      return typeof claims === 'function' ? claims() : claims;
    },
    ttl: { ClientCredentials: (_ctx, _token, client) => ttlOf(client.clientId) },
  });

  // The listener stays; rotation swaps the provider behind it, like an issuer that rotates keys
  // without moving.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = new Provider(issuer, configuration()).callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void handle(req, res));

  return {
    issuer,
    get signingKid() {
      return kidOf(keys[0]);
    },
    async issueToken(clientId, resource) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecretOf(clientId)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: resource ?? options.resources[0] }),
      });
      const body = (await response.json()) as { access_token?: unknown; error?: unknown; error_description?: unknown };
      if (response.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`token endpoint answered ${response.status}: ${String(body.error)} ${String(body.error_description)}`);
      }
      return body.access_token;
    },
    async rotateKey(rotation = {}) {
      const { privateJwk } = await generateSigningKey(alg);
      // oidc-provider signs with the first key that fits the algorithm, so the new key goes first.
      keys = rotation.keepPrevious ? [privateJwk, ...keys] : [privateJwk];
      handle = new Provider(issuer, configuration()).callback();
      return kidOf(privateJwk);
    },
    stop: () => shutDown(server),
    start: () => listen(server, port),
    close: () => (server.listening ? shutDown(server) : Promise.resolve()),
  };
}

/** A static issuer for hand-signed tokens: a discovery document and a JWKS, nothing else. */
export interface StaticTestIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  setKeys(publicJwks: JWK[]): void;
  close(): Promise<void>;
}

export async function startStaticTestIssuer(publicJwks: JWK[], options: { discoveryIssuer?: string } = {}): Promise<StaticTestIssuer> {
  let keys = publicJwks;
  const server = createServer((req, res) => {
    const body = req.url === '/.well-known/openid-configuration' ? { issuer: options.discoveryIssuer ?? issuer, jwks_uri: `${issuer}/jwks` } : req.url === '/jwks' ? { keys } : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await listen(server, 0);
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    setKeys(next) {
      keys = next;
    },
    close: () => shutDown(server),
  };
}

/**
 * Storage for the provider's artifacts, one Map per provider. oidc-provider's built-in memory
 * adapter works too but warns on every construction, which buries test output.
 */
function memoryAdapter(): new (model: string) => Adapter {
  const rows = new Map<string, Record<string, unknown>>();
  const findBy = (field: string, value: string) => [...rows.values()].find((row) => row[field] === value);
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>) {
      rows.set(this.key(id), { ...payload });
    }
    async find(id: string) {
      return rows.get(this.key(id));
    }
    async findByUserCode(userCode: string) {
      return findBy('userCode', userCode);
    }
    async findByUid(uid: string) {
      return findBy('uid', uid);
    }
    async consume(id: string) {
      const row = rows.get(this.key(id));
      if (row) row.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, row] of rows) if (row.grantId === grantId) rows.delete(key);
    }
  };
}

function kidOf(key: JWK | undefined): string {
  if (key?.kid === undefined) throw new Error('test signing keys always carry a kid');
  return key.kid;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shutDown(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // fetch keeps connections alive; without this close() would wait for them to idle out.
    server.closeAllConnections();
  });
}
