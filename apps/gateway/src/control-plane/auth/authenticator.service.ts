import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Identity } from '@jitgate/db';
import { Clock } from '../../platform/clock.js';
import { JitgateError } from '../../platform/errors/jitgate.error.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import { OidcVerificationError, OidcVerifier } from '../identity/oidc/oidc-verifier.js';
import { TOKEN_TOUCH_INTERVAL_MS, TokenRepository } from '../identity/token.repository.js';
import type { Principal } from '../../port/principal.js';
import { TokenCrypto } from './token-crypto.js';

const unauthenticated = (message: string) => new JitgateError('unauthenticated', message);

/** Turns a bearer token into a Principal: a gateway-issued token, or a JWT from a configured OIDC issuer. */
@Injectable()
export class AuthenticatorService {
  private readonly logger = new Logger('AuthenticatorService');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TokenCrypto) private readonly crypto: TokenCrypto,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(OidcVerifier) private readonly oidc: OidcVerifier,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async authenticate(token: string): Promise<Principal> {
    if (this.crypto.looksLikeGatewayToken(token)) return this.fromGatewayToken(token);
    if (this.oidc.looksLikeJwt(token)) return this.fromOidcToken(token);
    throw unauthenticated('the bearer token is neither a jitgate token nor a JWT');
  }

  private async fromGatewayToken(token: string): Promise<Principal> {
    const found = await this.tokens.findByHash(this.crypto.hash(token));
    const now = this.clock.now();
    if (!found) throw unauthenticated('the token is not valid');
    if (found.revokedAt) throw unauthenticated('the token has been revoked');
    if (found.expiresAt <= now) throw unauthenticated('the token has expired');
    if (found.identity.disabledAt) throw unauthenticated('the identity of this token is disabled');
    // The row just read says when the token was last used: no UPDATE while that is fresh.
    const fresh = found.lastUsedAt !== null && now.getTime() - found.lastUsedAt.getTime() < TOKEN_TOUCH_INTERVAL_MS;
    if (!fresh) this.tokens.touch(found.id, now).catch((error: unknown) => this.logger.warn({ err: String(error) }, 'token touch failed'));
    return this.principalOf(found.identity, 'token', found.id);
  }

  private async fromOidcToken(token: string): Promise<Principal> {
    let verified;
    try {
      verified = await this.oidc.verify(token);
    } catch (error) {
      if (error instanceof OidcVerificationError) {
        if (error.code === 'jwks_unavailable') {
          throw new JitgateError('unavailable', 'the identity provider cannot be reached to check this token');
        }
        throw unauthenticated(error.message);
      }
      throw error;
    }
    const identity = await this.identities.upsertFromClaims({
      issuer: verified.issuer,
      subject: verified.subject,
      kind: verified.kind,
      displayName: verified.displayName,
      groups: verified.groups,
      attributes: verified.attributes,
    });
    if (identity.disabledAt) throw unauthenticated('this identity is disabled');
    return this.principalOf(identity, 'oidc', null);
  }

  principalOf(identity: Identity, via: Principal['via'], tokenId: string | null): Principal {
    return {
      identityId: identity.id,
      issuer: identity.issuer,
      subject: identity.subject,
      kind: identity.kind,
      displayName: identity.displayName,
      groups: identity.groups,
      attributes: (identity.attributes ?? {}) as Record<string, unknown>,
      isAdmin: identity.groups.includes(this.config.auth.adminGroup),
      isAuditor: identity.groups.includes(this.config.auth.auditorGroup),
      via,
      tokenId,
    };
  }
}
