// One error type for the CLI. Every failure a user can cause or meet becomes a CliError with a
// kind; `cli.ts` prints its message on one line and exits with the kind's code. Messages name
// what the user typed or what the gateway answered, never the token.

/** Exit codes, documented in apps/cli/README.md. */
export const EXIT_CODES = {
  ok: 0,
  /** Bad arguments or input, or a failure with no more specific code. */
  usage: 1,
  /** No token, or the gateway did not accept it. */
  auth: 2,
  /** The gateway refused: not permitted, no grant in force, request denied or expired. */
  not_permitted: 3,
  /** The gateway, its listener, an agent or the target could not be reached. */
  unavailable: 4,
} as const;

export type ErrorKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

export class CliError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

export const usageError = (message: string) => new CliError('usage', message);

/** The exit kind for an HTTP status the gateway answered (REST or the handshake line). */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'not_permitted';
  if (status >= 500) return 'unavailable';
  return 'usage';
}

/** One printable line from text that came over the network: no control characters, bounded. */
export function printable(text: string, max = 300): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
