// oidc-provider ships no types and @types/oidc-provider is not a dependency. This declares only
// the part the test provider uses (see oidc-test-provider.ts); delete it if @types/oidc-provider
// is added, whose declarations are a superset.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: string;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface ClientInfo {
    readonly clientId: string;
  }

  export interface IssuedToken {
    readonly kind: string;
    readonly clientId?: string;
  }

  /** Storage for one model ("ClientCredentials", "Session", ...); see MemoryAdapter in the helper. */
  export interface Adapter {
    upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void>;
    find(id: string): Promise<Record<string, unknown> | undefined>;
    findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
    findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Configuration {
    adapter?: new (model: string) => Adapter;
    clients?: ClientMetadata[];
    clientDefaults?: { id_token_signed_response_alg?: string };
    jwks?: { keys: Record<string, unknown>[] };
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: ClientInfo, oneOf?: string[]) => Promise<string | string[] | undefined> | string | string[] | undefined;
        useGrantedResource?: (ctx: unknown, model: unknown) => Promise<boolean> | boolean;
        getResourceServerInfo?: (ctx: unknown, resourceIndicator: string, client: ClientInfo) => Promise<ResourceServerInfo> | ResourceServerInfo;
      };
    };
    extraTokenClaims?: (ctx: unknown, token: IssuedToken) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;
    ttl?: { ClientCredentials?: number | ((ctx: unknown, token: IssuedToken, client: ClientInfo) => number) };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  }

  export namespace errors {
    class InvalidTarget extends Error {
      constructor(description?: string);
    }
  }

  export default Provider;
}
