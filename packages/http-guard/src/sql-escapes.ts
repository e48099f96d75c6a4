/**
 * Escape sequences of GoogleSQL string and bytes literals and quoted identifiers, from the
 * reference's table ("Escape sequences for string and bytes literals"): "Any sequence not in
 * this table produces an error." What the table leaves open is refused too (an octal escape
 * above \377, whose value as a byte the reference does not give).
 */

/** `string` and `identifier` take `\u` / `\U`; `bytes` do not. */
export type EscapeContext = 'string' | 'bytes' | 'identifier';

export type EscapeRead = { ok: true; end: number; value: string } | { ok: false; error: string };

const SIMPLE = new Map<string, string>([
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ['?', '?'],
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
]);

const HEX = /^[0-9a-fA-F]+$/;

/** Reads the escape whose backslash is at `at`; `end` is the index after it, `value` what it means. */
export function readEscape(sql: string, at: number, context: EscapeContext): EscapeRead {
  const c = sql[at + 1];
  if (c === undefined) return { ok: false, error: 'a backslash at the end of the text' };
  if (c === '\n' || c === '\r') return { ok: false, error: 'an escaped line break' };
  const simple = SIMPLE.get(c);
  if (simple !== undefined) return { ok: true, end: at + 2, value: simple };
  if (c >= '0' && c <= '7') {
    // Exactly three octal digits; \400 to \777 do not fit the byte the reference speaks of.
    const digits = sql.slice(at + 1, at + 4);
    if (!/^[0-3][0-7][0-7]$/.test(digits)) return bad(sql, at, 4);
    return { ok: true, end: at + 4, value: String.fromCharCode(parseInt(digits, 8)) };
  }
  if (c === 'x' || c === 'X') {
    const digits = sql.slice(at + 2, at + 4);
    if (digits.length !== 2 || !HEX.test(digits)) return bad(sql, at, 4);
    return { ok: true, end: at + 4, value: String.fromCharCode(parseInt(digits, 16)) };
  }
  if (c === 'u' || c === 'U') {
    if (context === 'bytes') return { ok: false, error: `the escape \\${c} is not allowed in a bytes literal` };
    const width = c === 'u' ? 4 : 8;
    const digits = sql.slice(at + 2, at + 2 + width);
    if (digits.length !== width || !HEX.test(digits)) return bad(sql, at, 2 + width);
    const code = parseInt(digits, 16);
    if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return bad(sql, at, 2 + width);
    return { ok: true, end: at + 2 + width, value: String.fromCodePoint(code) };
  }
  return bad(sql, at, 2);
}

function bad(sql: string, at: number, length: number): EscapeRead {
  const shown = [...sql.slice(at, at + length)].map((ch) => (/[\x20-\x7e]/.test(ch) ? ch : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)).join('');
  return { ok: false, error: `the escape ${shown} is not one GoogleSQL defines` };
}
