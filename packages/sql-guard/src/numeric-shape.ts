// The cache key that lets statements differing only in their integer literals share one parse
// (sql-analyzer.ts). Clients that do not prepare statements (psql, pgbench's default mode, most
// scripts) send the same statement again and again with other numbers in it, so an exact-text
// cache never hits and every statement paid a full libpg-query parse.
//
// Sound only because no fact depends on an integer constant's value (the classifier reads
// string constants: `set_config('role', …)`; keywords: `WHERE true`, `BEGIN READ WRITE`; a WHERE
// compared with itself counts all integers alike, where-restriction.ts; an integer given to
// transaction_read_only counts as read-write whatever it is, session-settings.ts), and only for
// texts whose every digit run is surely an integer literal. So the lexing here is deliberately not a
// lexer: any text holding a quote, a dollar sign, a backslash, a comment, a character outside
// printable ASCII, or a `;` before its end has no key and goes to the parser as it is.
// numeric-shape.spec.ts pins both halves, including every statement of the classifier's spec.

/** Longer texts have no key: one-off scripts are not what this cache is for. */
export const MAX_SHAPE_LENGTH = 4096;

const MAX_NUMBER_DIGITS = 9;

/** Stands in for an integer literal; a control character, so it cannot occur in a keyed text. */
const NUMBER = '\u0001';

// biome-ignore lint/suspicious/noConstEnum: file-local character codes, inlined by tsc in the per-character loop.
const enum Char {
  Tab = 0x09,
  Cr = 0x0d,
  Space = 0x20,
  DoubleQuote = 0x22,
  Dollar = 0x24,
  Quote = 0x27,
  Star = 0x2a,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Zero = 0x30,
  Nine = 0x39,
  Semicolon = 0x3b,
  Backslash = 0x5c,
  Underscore = 0x5f,
  Tilde = 0x7e,
}

function isDigit(c: number): boolean {
  return c >= Char.Zero && c <= Char.Nine;
}

/** Letters, digits, `_`, `$` continue an identifier; `.` continues a number (`1.5`, `.5`). */
function joinsNumber(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === Char.Underscore || c === Char.Dollar || c === Char.Dot;
}

/**
 * `sql` with every standalone integer literal replaced by one placeholder, or undefined when
 * the text is outside the subset where that is surely what its digits are. A digit run that
 * touches a letter, `_`, `$` or `.` (`t1`, `1e5`, `1.5`, `0x1f`, `1_000`), or is longer than 9
 * digits, is left as it is: such texts still get a key, just one per value.
 */
export function numericShapeKey(sql: string): string | undefined {
  const end = statementEnd(sql);
  if (end === undefined || sql.length > MAX_SHAPE_LENGTH) return undefined;
  let key = '';
  let copied = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if ((c < Char.Space && (c < Char.Tab || c > Char.Cr)) || c > Char.Tilde) return undefined;
    if (c === Char.Quote || c === Char.DoubleQuote || c === Char.Dollar || c === Char.Backslash) return undefined;
    if (c === Char.Semicolon && i < end) return undefined;
    const next = sql.charCodeAt(i + 1);
    if ((c === Char.Minus && next === Char.Minus) || (c === Char.Slash && next === Char.Star)) return undefined;
    if (!isDigit(c)) continue;
    let j = i + 1;
    while (j < sql.length && isDigit(sql.charCodeAt(j))) j++;
    const standalone = (i === 0 || !joinsNumber(sql.charCodeAt(i - 1))) && (j === sql.length || !joinsNumber(sql.charCodeAt(j)));
    // Up to 9 digits is always an int4 constant (ICONST); longer ones are numeric, which the
    // grammar does not take everywhere an integer goes (`FETCH 5`), so they stay in the key.
    if (standalone && j - i <= MAX_NUMBER_DIGITS) {
      key += sql.slice(copied, i) + NUMBER;
      copied = j;
    }
    i = j - 1;
  }
  return copied === 0 ? sql : key + sql.slice(copied);
}

/**
 * The text the parser gives a single statement: without surrounding blanks and without the
 * trailing `;` (and blanks before it). Meaningful only for texts `numericShapeKey` accepts.
 */
export function singleStatementText(sql: string): string {
  const trimmed = sql.trimEnd();
  return (trimmed.endsWith(';') ? trimmed.slice(0, -1) : trimmed).trim();
}

/** Index of the one `;` a keyed text may hold (its last non-blank character), else its length. */
function statementEnd(sql: string): number | undefined {
  const trimmed = sql.trimEnd();
  if (!trimmed.endsWith(';')) return sql.length;
  const at = trimmed.length - 1;
  return at > 0 ? at : undefined;
}
