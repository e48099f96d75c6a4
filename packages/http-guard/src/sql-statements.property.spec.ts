// The statements the guard finds in generated text rich in quotes, backslashes, comment markers
// and line breaks, against a small independent reading of GoogleSQL's lexical rules: sticky
// regular expressions written from the reference's grammar (and its lexer's definitions), not
// from the guard's scanner. The guard may refuse more than the reference (unknown escapes, lone
// surrogates, `;` inside brackets) but never less, and what it accepts it must split the same.
// Fixed seed and bounded runs, so CI sees the same cases every time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitStatements } from './sql-statements.js';
import { tokenizeSql } from './sql-tokenizer.js';

const ESC = String.raw`\\(?:\r\n|[\s\S])`;
const PREFIX = '(?:[rR][bB]|[bB][rR]|[rRbB])?';
const SPACE = /[ \t\n\r\b\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+/y;
const LINE_COMMENT = /(?:--|#)[^\r\n]*/y;
const BLOCK_COMMENT = /\/\*[\s\S]*?\*\//y;
const TRIPLE_OPENING = new RegExp(`${PREFIX}(?:'''|""")`, 'y');
const TRIPLE = new RegExp(String.raw`${PREFIX}(?:'''(?:'{0,2}(?:[^'\\]|${ESC}))*'''|"""(?:"{0,2}(?:[^"\\]|${ESC}))*""")`, 'y');
const SINGLE = new RegExp(String.raw`${PREFIX}(?:'(?:[^'\\\r\n]|${ESC})*'|"(?:[^"\\\r\n]|${ESC})*")`, 'y');
const BACKTICK = new RegExp(String.raw`\`(?:[^\\\`\r\n]|${ESC})*\``, 'y');
const OTHER = [/[A-Za-z_][A-Za-z0-9_]*/y, /[0-9][A-Za-z0-9_]*/y, /[()[\]{}.*,=!<>|^&+\-/~?%:;@]/y];

const at = (re: RegExp, sql: string, i: number): string | null => {
  re.lastIndex = i;
  const m = re.exec(sql);
  return m === null || m[0] === '' ? null : m[0];
};

/** The next lexeme at `i` (`skip` for white space and comments), or null where the lexer fails. */
function nextLexeme(sql: string, i: number): { skip: boolean; text: string } | null {
  for (const re of [SPACE, LINE_COMMENT, BLOCK_COMMENT]) {
    const m = at(re, sql, i);
    if (m !== null) return { skip: true, text: m };
  }
  if (sql.startsWith('/*', i)) return null; // an unclosed comment
  // The lexer takes the longest match: an opening triple quote is a triple-quoted literal or an
  // unclosed one, never an empty string followed by a quote.
  if (at(TRIPLE_OPENING, sql, i) !== null) {
    const m = at(TRIPLE, sql, i);
    return m === null ? null : { skip: false, text: m };
  }
  for (const re of [SINGLE, BACKTICK, ...OTHER]) {
    const m = at(re, sql, i);
    if (m !== null) return { skip: false, text: m };
  }
  return null; // an unclosed literal or identifier, or an illegal character
}

/** Each statement as the concatenation of its lexemes, or null where GoogleSQL's lexer fails. */
function referenceStatements(sql: string): string[] | null {
  const statements: string[] = [];
  let current = '';
  for (let i = 0; i < sql.length; ) {
    const lexeme = nextLexeme(sql, i);
    if (lexeme === null) return null;
    i += lexeme.text.length;
    if (lexeme.skip) continue;
    if (lexeme.text === ';') {
      if (current !== '') statements.push(current);
      current = '';
    } else current += lexeme.text;
  }
  if (current !== '') statements.push(current);
  return statements;
}

function guardStatements(sql: string): string[] | null {
  const split = splitStatements(sql);
  if (!split.ok) return null;
  return split.statements.map((s) =>
    split.tokens
      .slice(s.start, s.end)
      .map((t) => sql.slice(t.start, t.end))
      .join(''),
  );
}

const BITS = [
  "'",
  '"',
  '`',
  "'''",
  '"""',
  'r',
  'b',
  'R',
  'B',
  'rb',
  'bR',
  'Br',
  '\\',
  '\\\\',
  "\\'",
  '\\"',
  '\\`',
  '\\n',
  '\\q',
  '\\x41',
  '\\101',
  '\\u00e9',
  '--',
  '#',
  '/*',
  '*/',
  '*',
  '/',
  '-',
  '\r',
  '\n',
  '\r\n',
  ';',
  '(',
  ')',
  '[',
  ']',
  ' ',
  '\t',
  '\v',
  '\b',
  '\u00a0',
  '\u2028',
  'é',
  '😀',
  '$',
  'SELECT',
  'DROP TABLE t',
  'x',
  '1',
  '.',
  '|>',
  '@p',
  '0x1F',
  '1e-3',
];
// Whole forms, so that many generated texts are valid GoogleSQL and the comparison is not vacuous.
const WHOLE = [
  "'a;b'",
  '"--"',
  "'''x\n;'''",
  '"""\r;"""',
  "r'\\''",
  "b'\\x00'",
  "RB'''\\'''",
  '`a;b`',
  '`a\\`b`',
  '-- c;\r',
  '# c;\n',
  '/* ; */',
  '-- c',
  'SELECT',
  'DROP TABLE t',
  ';',
  ' ',
  '\r',
  '\n',
  '(1)',
  '[x]',
  '1',
  'x',
  ',',
];
const text = fc.oneof(
  fc.array(fc.constantFrom(...BITS), { maxLength: 30 }).map((a) => a.join('')),
  fc.array(fc.oneof(fc.constantFrom(...WHOLE), fc.constantFrom(...BITS)), { maxLength: 30 }).map((a) => a.join('')),
  fc.array(fc.constantFrom(...WHOLE), { maxLength: 20 }).map((a) => a.join('')),
  // Scripts: statements of whole forms and a few loose bits, joined by `;`.
  fc
    .array(fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...WHOLE) }, { weight: 1, arbitrary: fc.constantFrom(...BITS) }), { maxLength: 8 }), { minLength: 2, maxLength: 5 })
    .map((statements) => statements.map((s) => s.join('')).join(';')),
);

describe('statement splitting against an independent reading', () => {
  it('never throws, never refuses less than GoogleSQL, and splits what it accepts the same way', () => {
    let accepted = 0;
    let multi = 0;
    fc.assert(
      fc.property(text, (sql) => {
        tokenizeSql(sql);
        const guard = guardStatements(sql);
        const reference = referenceStatements(sql);
        if (reference === null) expect(guard).toBeNull();
        if (guard !== null) {
          expect(guard).toEqual(reference);
          accepted++;
          if (guard.length > 1) multi++;
        }
      }),
      { seed: 20240613, numRuns: 4000 },
    );
    // Not vacuous: a good share of the texts were read, many of them with several statements.
    expect(accepted).toBeGreaterThan(1000);
    expect(multi).toBeGreaterThan(150);
  });

  it('the reference itself reads the attack as two statements', () => {
    expect(referenceStatements('SELECT 1 -- x\r; DROP TABLE t')).toEqual(['SELECT1', 'DROPTABLEt']);
    expect(guardStatements('SELECT 1 -- x\r; DROP TABLE t')).toEqual(['SELECT1', 'DROPTABLEt']);
  });
});
