// The session settings that change how PostgreSQL reads SQL text, pinned for the whole session
// (issue 13; docs/postgres.md, "Pinned settings"). Both ends import this one module: the agent
// puts the pins in every StartupMessage it sends, after everything the client asked for, so no
// client parameter can override one; the gateway holds the server to the same values. A startup
// parameter outranks the server's postgresql.conf, ALTER DATABASE … SET and ALTER ROLE … SET
// (https://www.postgresql.org/docs/current/config-setting.html), and each pinned setting is
// GUC_REPORT: the server announces every change of it in a ParameterStatus, which is the
// ground truth the gateway compares with `keepsPin`.
import { READ_ONLY_PARAMETER_VALUE, READ_ONLY_SCOPE, READ_ONLY_SESSION_PARAMETER } from '@jitgate/contracts';

/** A setting's name and the one value the server must hold for it. */
export type PinnedSettings = Readonly<Record<string, string>>;

/**
 * Pinned in every session: how the server decodes the bytes of SQL (the gateway reads UTF-8),
 * and that a backslash inside '…' is an ordinary character (the gateway's parser reads it so).
 */
export const PINNED_SETTINGS: PinnedSettings = Object.freeze({ client_encoding: 'UTF8', standard_conforming_strings: 'on' });

/** Pinned as well in read-only sessions: every transaction starts read-only on the server. */
export const READ_ONLY_PINNED_SETTINGS: PinnedSettings = Object.freeze({ ...PINNED_SETTINGS, default_transaction_read_only: 'on' });

/** The values the server must hold for the whole of a session. */
export function pinnedSettings(readOnly: boolean): PinnedSettings {
  return readOnly ? READ_ONLY_PINNED_SETTINGS : PINNED_SETTINGS;
}

/**
 * Read-only when the grant's scope says so (SessionOpen.scope is READ_ONLY_SCOPE) or the gateway
 * does: its parameter READ_ONLY_SESSION_PARAMETER (a `jitgate.` key in
 * SessionOpen.client_parameters, never taken from a client) set when the resolved guardrails say
 * so. Either is enough: a session is read-write only when neither says read-only.
 */
export function isReadOnlySession(scope: string, parameters: Readonly<Record<string, string>>): boolean {
  return scope === READ_ONLY_SCOPE || parameters[READ_ONLY_SESSION_PARAMETER] === READ_ONLY_PARAMETER_VALUE;
}

/**
 * The StartupMessage parameters with the pins applied last. PostgreSQL reads setting names
 * without regard to case, so a parameter that names a pinned setting in any case is dropped
 * rather than left to the order in which the server applies them.
 */
export function withPins(parameters: Readonly<Record<string, string>>, pins: PinnedSettings): Record<string, string> {
  const pinned = new Set(Object.keys(pins).map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) if (!pinned.has(name.toLowerCase())) out[name] = value;
  return Object.assign(out, pins);
}

/**
 * Whether a value the server reported (ParameterStatus) keeps the pins: false when `name` is
 * pinned and the value differs. The server reports the canonical spelling (`UTF8`, `on`), so
 * the comparison is exact.
 */
export function keepsPin(pins: PinnedSettings, name: string, value: string): boolean {
  const pinned = Object.hasOwn(pins, name) ? pins[name] : undefined;
  return pinned === undefined || pinned === value;
}

/**
 * Client encodings a client may ask for at the gateway's login. UTF8, in any spelling
 * PostgreSQL takes for it, is what the session runs with. SQL_ASCII is what libpq asks for in
 * the C locale; the server then validates the client's bytes as UTF-8, exactly as the gateway
 * reads them. Every other encoding (SJIS, BIG5, GBK and the rest, whose characters can hold a
 * backslash or quote byte, and the single-byte ones whose text the gateway would misread) is
 * refused.
 */
export function acceptsClientEncoding(value: string): boolean {
  return ACCEPTED_ENCODINGS.has(encodingKey(value));
}

/** What the client is told when its encoding is refused. */
export function clientEncodingRefusal(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `client_encoding ${JSON.stringify(shown)} is not supported: jitgate sessions run in UTF8; set it to UTF8 (for example PGCLIENTENCODING=UTF8)`;
}

// PostgreSQL's own normalisation of encoding names (clean_encoding_name in encnames.c): only
// letters and digits count, case does not. Its aliases of UTF8 are "utf8" and "unicode".
const ACCEPTED_ENCODINGS: ReadonlySet<string> = new Set(['utf8', 'unicode', 'sqlascii']);

function encodingKey(value: string): string {
  return value.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}
