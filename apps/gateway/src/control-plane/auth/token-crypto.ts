import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

export const GATEWAY_TOKEN_PREFIX = 'jg_';
const TOKEN_SHAPE = /^jg_[A-Za-z0-9_-]{32,128}$/;

/**
 * Gateway-issued tokens: 256 random bits, shown once, stored as SHA-256 only. A slow password
 * hash buys nothing for a 256-bit random secret, and a fast one keeps the lookup one index probe.
 */
@Injectable()
export class TokenCrypto {
  generate(): string {
    return GATEWAY_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  }

  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  /** What an operator may see to tell tokens apart: "jg_" and six characters. */
  displayPrefix(token: string): string {
    return token.slice(0, GATEWAY_TOKEN_PREFIX.length + 6);
  }

  looksLikeGatewayToken(token: string): boolean {
    return TOKEN_SHAPE.test(token);
  }
}
