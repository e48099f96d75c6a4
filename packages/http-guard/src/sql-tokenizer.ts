/**
 * A GoogleSQL (BigQuery standard SQL) tokenizer that reads text the way BigQuery's lexer does,
 * so that a statement, a keyword or a table name is never hidden in what looks like a comment or
 * a string, nor a string taken for SQL. Rules from GoogleSQL's "Lexical structure and syntax"
 * (BigQuery reference), with the details the prose leaves out taken from the lexer it documents:
 *
 * - White space: space, tab, LF, CR, backspace, form feed, vertical tab, and U+00A0, U+2000 to
 *   U+200A, U+202F, U+205F, U+3000. Nothing else (not U+200B, U+FEFF, U+2028, U+0085).
 * - Comments: `#` and `--` run to the first CR or LF, so a lone CR ends them; `/* *\/` ends at
 *   the first `*\/` (no nesting).
 * - Strings and bytes: `'…'`, `"…"` (no raw CR or LF inside), `'''…'''`, `"""…"""`; prefixes
 *   `r`, `b`, `rb`, `br` in any case. A backslash always takes the next character with it, also
 *   in raw literals; outside raw literals it must start an escape of the table (sql-escapes.ts).
 * - Quoted identifiers: backticks, no raw CR or LF, the same escapes (decoded into `text`).
 * - Any other character outside those (`$`, `\`, non-ASCII letters, control characters) is an
 *   illegal input character to GoogleSQL.
 *
 * Where it cannot be sure, it refuses: every such case is an `error`, and then no token counts.
 * Never throws. The table of forms is sql-tokenizer.spec.ts; sql-statements.property.spec.ts
 * checks the statements it finds against an independent reading of the same rules.
 */
import { readEscape, type EscapeContext } from './sql-escapes.js';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

export interface Token {
  kind: TokenKind;
  /** `word`: as written; `quoted`: the identifier without backticks, escapes decoded; `punct`: the character(s). */
  text: string;
  /** Upper-cased `text` of a `word`, for keyword comparisons; '' otherwise. */
  upper: string;
  start: number;
  end: number;
}

export interface TokenizeResult {
  tokens: Token[];
  /** Set when the text cannot be tokenized the way BigQuery would (then nothing is certain). */
  error?: string;
}

/** BigQuery refuses queries over 1 MB; longer text is not analysed. */
export const MAX_SQL_LENGTH = 1024 * 1024;

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x08, 0x0c, 0x0b, 0xa0, 0x202f, 0x205f, 0x3000]);
const isSpace = (c: number): boolean => SPACE.has(c) || (c >= 0x2000 && c <= 0x200a);
const PUNCT = new Set('()[]{}.*,=!<>|^&+-/~?%:;');
const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c);
const isLineBreak = (c: number): boolean => c === 10 || c === 13;

type Read = { end: number; text: string } | { error: string };

export function tokenizeSql(sql: string): TokenizeResult {
  const tokens: Token[] = [];
  if (typeof sql !== 'string') return { tokens, error: 'not a string' };
  if (sql.length > MAX_SQL_LENGTH) return { tokens, error: `longer than ${MAX_SQL_LENGTH} characters` };
  const notText = notUtf8(sql);
  if (notText !== null) return { tokens, error: notText };
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, text: string, start: number, end: number): void => {
    tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : '', start, end });
  };
  const fail = (error: string, at: number): TokenizeResult => ({ tokens: [], error: `${error} (at character ${at})` });
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 35 /* # */ || (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45)) {
      while (i < n && !isLineBreak(sql.charCodeAt(i))) i++;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) return fail('an unterminated /* comment', i);
      i = close + 2;
      continue;
    }
    if (isWordStart(c)) {
      let j = i;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j);
      const q = sql.charCodeAt(j);
      if ((q === 39 || q === 34) && /^(r|b|rb|br)$/i.test(word)) {
        const lower = word.toLowerCase();
        const r = readLiteral(sql, j, lower.includes('r'), lower.includes('b'));
        if ('error' in r) return fail(r.error, i);
        push('string', sql.slice(i, r.end), i, r.end);
        i = r.end;
        continue;
      }
      push('word', word, i, j);
      i = j;
      continue;
    }
    if (c === 39 || c === 34) {
      const r = readLiteral(sql, i, false, false);
      if ('error' in r) return fail(r.error, i);
      push('string', sql.slice(i, r.end), i, r.end);
      i = r.end;
      continue;
    }
    if (c === 96 /* ` */) {
      const r = readQuotedIdentifier(sql, i);
      if ('error' in r) return fail(r.error, i);
      push('quoted', r.text, i, r.end);
      i = r.end;
      continue;
    }
    // `.5` is a number, but `ds.2024_sales` is a path: a `.` right after a name is punctuation.
    const prev = tokens[tokens.length - 1];
    const afterName = prev !== undefined && prev.end === i && (prev.kind === 'word' || prev.kind === 'quoted');
    if (isDigit(c) || (c === 46 && !afterName && isDigit(sql.charCodeAt(i + 1)))) {
      const j = numberEnd(sql, i);
      push('number', sql.slice(i, j), i, j);
      i = j;
      continue;
    }
    // Query parameters and system variables: @name, @@name; `@` alone opens a hint.
    if (c === 64 /* @ */) {
      let j = i + 1;
      if (sql.charCodeAt(j) === 64) j++;
      while (j < n && (isWordPart(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
      push('param', sql.slice(i, j), i, j);
      i = j;
      continue;
    }
    if (c === 124 /* | */ && sql.charCodeAt(i + 1) === 62 /* > */) {
      push('punct', '|>', i, i + 2);
      i += 2;
      continue;
    }
    if (PUNCT.has(sql[i]!)) {
      push('punct', sql[i]!, i, i + 1);
      i++;
      continue;
    }
    return fail(`the character ${describe(sql.codePointAt(i)!)} is not GoogleSQL outside strings, identifiers and comments`, i);
  }
  return { tokens };
}

/**
 * End (exclusive) of the literal whose opening quote is at `start`. One-quote literals end at
 * the next unescaped quote and may not hold a CR or LF; triple-quoted ones end at the first three
 * unescaped quotes in a row. Raw literals keep their backslashes (unchecked) but, as in the
 * lexer, a backslash still takes the next character, so `r'\''` is one literal.
 */
function readLiteral(sql: string, start: number, raw: boolean, bytes: boolean): Read {
  const q = sql[start]!;
  const triple = sql[start + 1] === q && sql[start + 2] === q;
  const context: EscapeContext = bytes ? 'bytes' : 'string';
  let j = start + (triple ? 3 : 1);
  while (j < sql.length) {
    const d = sql[j]!;
    if (d === '\\') {
      const next = sql.charCodeAt(j + 1);
      if (isLineBreak(next)) return { error: 'an escaped line break in a string literal' };
      if (raw) {
        j += 2;
        continue;
      }
      const e = readEscape(sql, j, context);
      if (!e.ok) return { error: e.error };
      j = e.end;
      continue;
    }
    if (!triple && isLineBreak(sql.charCodeAt(j))) return { error: 'a line break in a one-quote string literal' };
    if (d === q && (!triple || (sql[j + 1] === q && sql[j + 2] === q))) {
      const end = j + (triple ? 3 : 1);
      return { end, text: sql.slice(start, end) };
    }
    j++;
  }
  return { error: `an unterminated ${triple ? 'triple-quoted ' : ''}${bytes ? 'bytes' : 'string'} literal` };
}

/**
 * A backtick identifier, escapes decoded. An escape that decodes to `.` is refused: BigQuery
 * splits a quoted path on its dots, and whether it does so before or after decoding escapes is
 * not documented, so `secret\x2esalaries` could be one name or two.
 */
function readQuotedIdentifier(sql: string, start: number): Read {
  let j = start + 1;
  let text = '';
  for (;;) {
    if (j >= sql.length) return { error: 'an unterminated quoted identifier' };
    const d = sql[j]!;
    if (d === '`') break;
    if (isLineBreak(sql.charCodeAt(j))) return { error: 'a line break in a quoted identifier' };
    if (d === '\\') {
      const e = readEscape(sql, j, 'identifier');
      if (!e.ok) return { error: `${e.error} (in a quoted identifier)` };
      if (e.value === '.') return { error: 'an escaped "." in a quoted identifier' };
      text += e.value;
      j = e.end;
      continue;
    }
    text += d;
    j++;
  }
  if (text === '') return { error: 'an empty quoted identifier' };
  return { end: j + 1, text };
}

/**
 * Digits then word characters (`2024_sales`, `123abc` of a dashed project id), then a fraction
 * and an exponent. `123.ds` stays a number and a path: `.` needs a digit after it.
 */
function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i;
  while (j < n && isWordPart(sql.charCodeAt(j))) j++;
  if (sql.charCodeAt(j) === 46 && isDigit(sql.charCodeAt(j + 1))) {
    j++;
    while (j < n && isDigit(sql.charCodeAt(j))) j++;
  }
  // An exponent: `1e-3` (the `e` was taken above with the digits), `1.5e-3`, `1.5E7`.
  const e = /[eE]/.test(sql[j - 1] ?? '') ? j - 1 : /[eE]/.test(sql[j] ?? '') ? j : -1;
  if (e !== -1 && (sql[e + 1] === '+' || sql[e + 1] === '-') && isDigit(sql.charCodeAt(e + 2))) j = e + 3;
  else if (e === j && isDigit(sql.charCodeAt(j + 1))) j += 1;
  while (e !== -1 && j < n && isDigit(sql.charCodeAt(j))) j++;
  return j;
}

/**
 * BigQuery reads the query as UTF-8. A lone surrogate has no UTF-8 form (what becomes of it on
 * the way is not ours to guess), and a NUL may end the text early for some reader on the way.
 */
function notUtf8(sql: string): string | null {
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 0) return `a NUL character (at character ${i})`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = sql.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return `a lone surrogate, which is not UTF-8 text (at character ${i})`;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return `a lone surrogate, which is not UTF-8 text (at character ${i})`;
    }
  }
  return null;
}

function describe(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code > 0x20 && code < 0x7f ? `"${String.fromCharCode(code)}" (${hex})` : hex;
}
