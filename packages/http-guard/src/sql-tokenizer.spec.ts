// Every lexical form of GoogleSQL's "Lexical structure and syntax" (BigQuery reference; the same
// text is docs/lexical.md of google/zetasql), read the way BigQuery's lexer reads it, and every
// form the tokenizer refuses because BigQuery would read it differently or not at all.
import { describe, expect, it } from 'vitest';
import { tokenizeSql } from './sql-tokenizer.js';

/** The source text of each token (strings and identifiers as written, not decoded). */
const spans = (sql: string): string[] => tokenizeSql(sql).tokens.map((t) => sql.slice(t.start, t.end));

describe('tokenizeSql: what GoogleSQL accepts', () => {
  const cases: Array<[string, string, string[]]> = [
    // Comments: `#` and `--` run to the first CR or LF (a CRLF is a CR then white space);
    // `/* */` does not nest: the first `*/` ends it.
    ['-- ends at LF', 'SELECT 1 -- x\nFROM t', ['SELECT', '1', 'FROM', 't']],
    ['-- ends at a lone CR', 'SELECT 1 -- x\rFROM t', ['SELECT', '1', 'FROM', 't']],
    ['-- ends at CRLF', 'SELECT 1 -- x\r\nFROM t', ['SELECT', '1', 'FROM', 't']],
    ['# ends at a lone CR', 'SELECT 1 # x\rFROM t', ['SELECT', '1', 'FROM', 't']],
    ['# ends at LF', 'SELECT 1 # x\nFROM t', ['SELECT', '1', 'FROM', 't']],
    ['a comment at the end of the text', 'SELECT 1 -- x', ['SELECT', '1']],
    ['--- is a comment too', 'SELECT 1 ---x\n, 2', ['SELECT', '1', ',', '2']],
    ['1--1 is 1 and a comment', 'SELECT 1--1\n', ['SELECT', '1']],
    ['/* */ on one line', 'SELECT /* ; */ 1', ['SELECT', '1']],
    ['/* */ over lines, with stars', 'SELECT /** a\r\n * b **/ 1', ['SELECT', '1']],
    ['/* */ does not nest', 'SELECT /* /* */ 1', ['SELECT', '1']],
    ['a nested close is left over as operators', 'SELECT /* /* */ */ 1', ['SELECT', '*', '/', '1']],
    ['U+2028 inside a -- comment is not a line end', 'SELECT 1 -- a\u2028b\n, 2', ['SELECT', '1', ',', '2']],
    // White space: space, tab, CR, LF, backspace, form feed, vertical tab, and the Unicode spaces.
    ['ASCII white space', 'SELECT\t1\b,\f2\v,\r3', ['SELECT', '1', ',', '2', ',', '3']],
    ['Unicode spaces', 'SELECT\u00a01\u2000,\u200a2\u202f,\u205f3\u3000', ['SELECT', '1', ',', '2', ',', '3']],
    // Strings: one quote may not span lines; a backslash always takes the next character.
    ["'…' with an escaped quote", 'SELECT \'it\\\'s\', "a\\"b"', ['SELECT', "'it\\'s'", ',', '"a\\"b"']],
    ["'…' holding the other quote and comment markers", "SELECT 'a\"b -- # /*'", ['SELECT', "'a\"b -- # /*'"]],
    ["'''…''' over lines", "SELECT '''two\nlines; ' '' '''", ['SELECT', "'''two\nlines; ' '' '''"]],
    ['"""…""" with a CR', 'SELECT """a\rb"""', ['SELECT', '"""a\rb"""']],
    ["'''…''' closes at the first three quotes", "SELECT '''a''' , 'b'", ['SELECT', "'''a'''", ',', "'b'"]],
    ["'''…''' with an escaped quote before the close", "SELECT '''a\\''''", ['SELECT', "'''a\\''''"]],
    ["'' is an empty string", 'SELECT \'\', ""', ['SELECT', "''", ',', '""']],
    // Every escape of the table, in strings.
    ['the simple escapes', "SELECT '\\a\\b\\f\\n\\r\\t\\v\\\\\\?\\\"\\'\\`'", ['SELECT', "'\\a\\b\\f\\n\\r\\t\\v\\\\\\?\\\"\\'\\`'"]],
    ['octal, hex, \\u and \\U escapes', "SELECT '\\101\\x41\\X41\\u00e9\\U0001F600'", ['SELECT', "'\\101\\x41\\X41\\u00e9\\U0001F600'"]],
    // Raw strings: the prefix is r or R; a backslash is kept but still takes the next character.
    ['r and R prefixes', 'SELECT r\'\\d+\', R"\\w"', ['SELECT', "r'\\d+'", ',', 'R"\\w"']],
    ["a raw string's escaped quote does not end it", "SELECT r'a\\'b'", ['SELECT', "r'a\\'b'"]],
    ['raw triple-quoted', 'SELECT r\'\'\'a\\q\nb\'\'\', r"""x"""', ['SELECT', "r'''a\\q\nb'''", ',', 'r"""x"""']],
    // Bytes and raw bytes: b/B, and r and b in either order and any case.
    ['bytes', "SELECT b'abc', B\"\\x00\\377\", b'''x'''", ['SELECT', "b'abc'", ',', 'B"\\x00\\377"', ',', "b'''x'''"]],
    [
      'raw bytes in every order and case',
      "SELECT rb'a', Rb'b', rB'c', RB'd', br'e', Br'f', bR'g', BR'''h'''",
      ['SELECT', "rb'a'", ',', "Rb'b'", ',', "rB'c'", ',', "RB'd'", ',', "br'e'", ',', "Br'f'", ',', "bR'g'", ',', "BR'''h'''"],
    ],
    ['a word before a quote is not a prefix', "SELECT xr'a'", ['SELECT', 'xr', "'a'"]],
    ['typed literals are a word and a string', "SELECT DATE '2024-01-01', JSON '{\"a\": 1}'", ['SELECT', 'DATE', "'2024-01-01'", ',', 'JSON', '\'{"a": 1}\'']],
    // Quoted identifiers: backticks, any character but a line break, the string escapes.
    ['backtick identifiers', 'SELECT * FROM `my-project.ds.t`, `a b`', ['SELECT', '*', 'FROM', '`my-project.ds.t`', ',', '`a b`']],
    ['an escaped backtick', 'SELECT `a\\`b`', ['SELECT', '`a\\`b`']],
    // Numbers, parameters, operators.
    ['numbers', 'SELECT 1, 0x1F, 1.5, .5, 1e3, 1.5E-3', ['SELECT', '1', ',', '0x1F', ',', '1.5', ',', '.5', ',', '1e3', ',', '1.5E-3']],
    ['parameters and system variables', 'SELECT @p, @@project_id, ?', ['SELECT', '@p', ',', '@@project_id', ',', '?']],
    ['a hint', 'SELECT @{ a.b = 1 } 1', ['SELECT', '@', '{', 'a', '.', 'b', '=', '1', '}', '1']],
    ['pipe syntax', 'FROM t |> WHERE a', ['FROM', 't', '|>', 'WHERE', 'a']],
    [
      'operators',
      'SELECT a||b, a<>b, a!=b, a<=b, a>=b, a<<1, a>>1, x=>1, e->1, a+=1, ~a^b&c|d%e',
      [
        'SELECT',
        'a',
        '|',
        '|',
        'b',
        ',',
        'a',
        '<',
        '>',
        'b',
        ',',
        'a',
        '!',
        '=',
        'b',
        ',',
        'a',
        '<',
        '=',
        'b',
        ',',
        'a',
        '>',
        '=',
        'b',
        ',',
        'a',
        '<',
        '<',
        '1',
        ',',
        'a',
        '>',
        '>',
        '1',
        ',',
        'x',
        '=',
        '>',
        '1',
        ',',
        'e',
        '-',
        '>',
        '1',
        ',',
        'a',
        '+',
        '=',
        '1',
        ',',
        '~',
        'a',
        '^',
        'b',
        '&',
        'c',
        '|',
        'd',
        '%',
        'e',
      ],
    ],
    [
      'labels, arrays, structs',
      'l: BEGIN SELECT ARRAY<STRUCT<a INT64>>[(1)][OFFSET(0)]; END',
      ['l', ':', 'BEGIN', 'SELECT', 'ARRAY', '<', 'STRUCT', '<', 'a', 'INT64', '>', '>', '[', '(', '1', ')', ']', '[', 'OFFSET', '(', '0', ')', ']', ';', 'END'],
    ],
    ['non-ASCII text inside strings, identifiers and comments', "SELECT 'é😀', `naïve` -- ü\n", ['SELECT', "'é😀'", ',', '`naïve`']],
  ];
  it.each(cases)('%s', (_name, sql, expected) => {
    const r = tokenizeSql(sql);
    expect(r.error).toBeUndefined();
    expect(spans(sql)).toEqual(expected);
  });

  it.each([
    ['`a\\`b`', 'a`b'],
    ['`secr\\x65t`', 'secret'],
    ['`\\u0064s`', 'ds'],
    ['`\\U00000074`', 't'],
    ['`\\164`', 't'],
    ['`a\\\\b`', 'a\\b'],
  ])('decodes the escapes of the quoted identifier %s', (sql, name) => {
    const r = tokenizeSql(sql);
    expect(r.error).toBeUndefined();
    expect(r.tokens[0]).toMatchObject({ kind: 'quoted', text: name });
  });

  it('keeps words, strings and identifiers apart', () => {
    const kinds = tokenizeSql("SELECT r'a', `b`, c, 1, @d;").tokens.map((t) => t.kind);
    expect(kinds).toEqual(['word', 'string', 'punct', 'quoted', 'punct', 'word', 'punct', 'number', 'punct', 'param', 'punct']);
  });
});

describe('tokenizeSql: what it refuses, rather than guess', () => {
  const cases: Array<[string, string, RegExp]> = [
    // Unterminated forms: BigQuery rejects them, and nothing after them can be read.
    ['an unterminated string', "SELECT 'abc", /unterminated/],
    ['an unterminated triple-quoted string', "SELECT '''abc''", /unterminated/],
    ['an unterminated raw string ending in a backslash', "SELECT r'abc\\'", /unterminated/],
    ['an unterminated bytes literal', 'SELECT b"abc', /unterminated/],
    ['an unterminated identifier', 'SELECT `abc', /unterminated/],
    ['an unterminated comment', 'SELECT /* abc', /unterminated/],
    // Line breaks where GoogleSQL forbids them.
    ['LF in a one-quote string', "SELECT 'a\nb'", /line break/],
    ['a lone CR in a one-quote string', "SELECT 'a\rb'", /line break/],
    ['CR in a quoted identifier', 'SELECT `a\rb`', /line break/],
    ['an escaped line break', "SELECT 'a\\\nb'", /line break/],
    ['an escaped CR in a triple-quoted string', "SELECT '''a\\\rb'''", /line break/],
    ['an escaped line break in a raw string', "SELECT r'a\\\nb'", /line break/],
    // Escapes the table does not list.
    ['an unknown escape', "SELECT '\\q'", /escape/],
    ['an octal escape of two digits', "SELECT '\\12'", /escape/],
    ['an octal escape above \\377', "SELECT '\\400'", /escape/],
    ['a hex escape of one digit', "SELECT '\\x4'", /escape/],
    ['\\u with three digits', "SELECT '\\u00e'", /escape/],
    ['\\u of a surrogate', "SELECT '\\ud800'", /escape/],
    ['\\U above 10FFFF', "SELECT '\\U00110000'", /escape/],
    ['\\u in a bytes literal', "SELECT b'\\u00e9'", /escape/],
    ['an unknown escape in an identifier', 'SELECT `a\\qb`', /escape/],
    ['an escaped "." in an identifier', 'SELECT * FROM `secret\\x2esalaries`', /"\."/],
    ['an empty identifier', 'SELECT ``', /empty/],
    // Characters GoogleSQL's lexer refuses outside strings, identifiers and comments.
    ['a dollar sign', 'SELECT * FROM ds.t$20240101', /character/],
    ['a backslash', 'SELECT 1 \\ 2', /character/],
    ['a non-ASCII letter', 'SELECT naïve', /character/],
    ['U+2028 outside a comment', 'SELECT 1\u2028-- x', /character/],
    ['a zero-width space', 'SELECT\u200b1', /character/],
    ['a byte order mark', '\ufeffSELECT 1', /character/],
    ['NEL (U+0085)', 'SELECT 1\u0085DROP TABLE t', /character/],
    ['a control character', 'SELECT 1\u0001', /character/],
    // Text that is not UTF-8: a lone surrogate or a NUL, anywhere.
    ['a lone surrogate in a string', "SELECT '\ud800'", /surrogate/],
    ['a NUL in a comment', 'SELECT 1 -- \u0000\nDROP TABLE t', /NUL/],
  ];
  it.each(cases)('%s', (_name, sql, why) => {
    const r = tokenizeSql(sql);
    expect(r.error).toMatch(why);
  });
});
