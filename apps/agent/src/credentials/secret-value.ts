// A credential or token in memory. It prints as "[redacted]" however it is logged, stringified
// or inspected, so that passing one to a logger by mistake cannot leak it; `reveal()` is the one
// explicit way to the value (credential-provider.spec.ts pins this).
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
