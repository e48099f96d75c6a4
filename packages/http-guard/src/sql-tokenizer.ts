/**
 * A GoogleSQL (BigQuery standard SQL) tokenizer: enough lexical structure to split statements,
 * find keywords and read table names without ever mistaking the inside of a string, a quoted
 * identifier or a comment for SQL. Lexical rules from the GoogleSQL reference ("Lexical
 * structure and syntax"): quoted strings with `'`, `"`, `'''`, `"""`, optional `r`/`b`/`rb`/`br`
 * prefixes; backtick identifiers (which may hold `.` and `-`); `--`, `#` and `/* *\/` comments.
 * Never throws; an unterminated string, identifier or comment is reported as `error`.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

export interface Token {
  kind: TokenKind;
  /** `word`: as written; `quoted`: the identifier without backticks; `punct`: the character(s). */
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

const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c);

export function tokenizeSql(sql: string): TokenizeResult {
  const tokens: Token[] = [];
  if (typeof sql !== 'string') return { tokens, error: 'not a string' };
  if (sql.length > MAX_SQL_LENGTH) return { tokens, error: `longer than ${MAX_SQL_LENGTH} characters` };
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, text: string, start: number, end: number): void => {
    tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : '', start, end });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    // White space.
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    // Comments.
    if (c === 35 /* # */ || (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45)) {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) return { tokens, error: 'unterminated /* comment' };
      i = close + 2;
      continue;
    }
    // String literals, with an optional r / b / rb / br prefix.
    if (isWordStart(c)) {
      let j = i;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j);
      const q = sql.charCodeAt(j);
      if ((q === 39 || q === 34) && /^(r|b|rb|br)$/i.test(word)) {
        const end = readQuoted(sql, j);
        if (end < 0) return { tokens, error: 'unterminated string literal' };
        push('string', sql.slice(i, end), i, end);
        i = end;
        continue;
      }
      push('word', word, i, j);
      i = j;
      continue;
    }
    if (c === 39 || c === 34) {
      const end = readQuoted(sql, i);
      if (end < 0) return { tokens, error: 'unterminated string literal' };
      push('string', sql.slice(i, end), i, end);
      i = end;
      continue;
    }
    if (c === 96 /* ` */) {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= n) return { tokens, error: 'unterminated quoted identifier' };
        const d = sql[j]!;
        if (d === '`') break;
        if (d === '\n') return { tokens, error: 'newline in a quoted identifier' };
        if (d === '\\') {
          if (j + 1 >= n) return { tokens, error: 'unterminated quoted identifier' };
          text += sql[j + 1];
          j += 2;
          continue;
        }
        text += d;
        j++;
      }
      if (text === '') return { tokens, error: 'empty quoted identifier' };
      push('quoted', text, i, j + 1);
      i = j + 1;
      continue;
    }
    // `.5` is a number, but `ds.2024_sales` is a path: a `.` right after a name is punctuation.
    const prev = tokens[tokens.length - 1];
    const afterName = prev !== undefined && prev.end === i && (prev.kind === 'word' || prev.kind === 'quoted');
    if (isDigit(c) || (c === 46 && !afterName && isDigit(sql.charCodeAt(i + 1)))) {
      // Digits then word characters (`2024_sales`, `123abc` of a dashed project id), then a
      // fraction and an exponent. `123.ds` stays a number and a path: `.` needs a digit after it.
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
      push('number', sql.slice(i, j), i, j);
      i = j;
      continue;
    }
    // Query parameters and system variables: @name, @@name, ?.
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
    // Surrogate pairs stay one token so that a slice never splits a character.
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    push('punct', sql.slice(i, i + width), i, i + width);
    i += width;
  }
  return { tokens };
}

/**
 * End (exclusive) of the quoted literal whose opening quote is at `start`, or -1. A backslash
 * always takes the next character with it (also in raw strings, where `r'\''` is two characters,
 * as in Python), so an escaped quote never ends the literal. One-quote literals cannot span lines.
 */
function readQuoted(sql: string, start: number): number {
  const q = sql[start]!;
  const triple = sql[start + 1] === q && sql[start + 2] === q;
  let j = start + (triple ? 3 : 1);
  while (j < sql.length) {
    const d = sql[j]!;
    if (d === '\\') {
      j += 2;
      continue;
    }
    if (!triple && d === '\n') return -1;
    if (d === q) {
      if (!triple) return j + 1;
      if (sql[j + 1] === q && sql[j + 2] === q) return j + 3;
    }
    j++;
  }
  return -1;
}
