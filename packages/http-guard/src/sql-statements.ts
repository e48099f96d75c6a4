/**
 * A BigQuery script's statements: its tokens split on `;`. GoogleSQL has no `;` inside brackets
 * (procedure bodies are BEGIN … END, not brackets), so a `;` inside `(…)`, `[…]` or `{…}`, or
 * brackets that do not pair up, mean the text is not what it seems: refused, never split by a
 * guess. Empty statements (`;;`) are dropped.
 */
import { tokenizeSql, type Token } from './sql-tokenizer.js';

export interface StatementRange {
  /** Index of the statement's first token. */
  start: number;
  /** Index after its last token (its `;` or the end). */
  end: number;
}

export type StatementSplit = { ok: true; tokens: Token[]; statements: StatementRange[] } | { ok: false; error: string };

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export function splitStatements(sql: string): StatementSplit {
  const { tokens, error } = tokenizeSql(sql);
  if (error !== undefined) return { ok: false, error };
  const statements: StatementRange[] = [];
  const open: string[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') open.push(CLOSER[t.text]!);
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (open.pop() !== t.text) return { ok: false, error: `an unpaired "${t.text}" (at character ${t.start})` };
    } else if (t.text === ';') {
      if (open.length > 0) return { ok: false, error: `a ";" inside brackets (at character ${t.start})` };
      if (i > start) statements.push({ start, end: i });
      start = i + 1;
    }
  }
  if (open.length > 0) return { ok: false, error: 'brackets left open at the end of the text' };
  if (tokens.length > start) statements.push({ start, end: tokens.length });
  return { ok: true, tokens, statements };
}
