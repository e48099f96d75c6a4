// How long the body after a head must be, from its content-length lines: the framing of the
// session must agree with what the head declares, or the next hop (Node's client or server,
// which trusts content-length) could be made to send bytes of one message as part of another.
import type { HttpHeader } from '@jitgate/proto';

/** A length, none declared, or declarations that disagree or are not a number. */
export type DeclaredLength = number | 'none' | 'invalid';

export function declaredLength(lines: readonly HttpHeader[]): DeclaredLength {
  let declared: DeclaredLength = 'none';
  for (const { name, value } of lines) {
    if (name !== 'content-length') continue;
    const trimmed = value.trim();
    if (!/^\d{1,15}$/.test(trimmed)) return 'invalid';
    const bytes = Number(trimmed);
    if (declared !== 'none' && declared !== bytes) return 'invalid';
    declared = bytes;
  }
  return declared;
}

/** Counts a body against its bound; says what went wrong when the bytes break it. */
export class BodyBound {
  #received = 0;

  /** `limit`: exactly that many bytes; undefined: any number. */
  constructor(private readonly limit: number | undefined) {}

  get received(): number {
    return this.#received;
  }

  /** A breach when `bytes` more would pass the bound. */
  take(bytes: number): string | undefined {
    this.#received += bytes;
    if (this.limit !== undefined && this.#received > this.limit) return `${this.#received} body bytes where ${this.limit} were declared`;
    return undefined;
  }

  /** A breach when the body ends short of its bound. */
  end(): string | undefined {
    if (this.limit !== undefined && this.#received < this.limit) return `the body ended after ${this.#received} of ${this.limit} declared bytes`;
    return undefined;
  }
}
