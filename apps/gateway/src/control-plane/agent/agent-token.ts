import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AGENT_TOKEN_PREFIX } from '@jitgate/contracts';
/** "jga_" and 256 random bits in base64url: 43 characters. */
const AGENT_TOKEN_SHAPE = /^jga_[A-Za-z0-9_-]{43}$/;

/**
 * Agent tokens (docs/tunnel.md): shown once at registration, stored as SHA-256 only, like the
 * gateway's own tokens (auth/token-crypto.ts) but with a prefix of their own, so that neither
 * kind is ever accepted where the other belongs.
 */
@Injectable()
export class AgentTokenCrypto {
  generate(): string {
    return AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  }

  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  /** What an operator may see to tell tokens apart: "jga_" and six characters. */
  displayPrefix(token: string): string {
    return token.slice(0, AGENT_TOKEN_PREFIX.length + 6);
  }

  looksLikeAgentToken(token: string): boolean {
    return AGENT_TOKEN_SHAPE.test(token);
  }
}
