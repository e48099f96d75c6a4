/** Script blocks of GoogleSQL's procedural language, around the statements they hold. */
import type { Token } from './sql-tokenizer.js';

/**
 * Skips the procedural wrapper of a statement inside a script block (`label:`, `BEGIN`, `ELSE`,
 * `LOOP`, `REPEAT`, `IF … THEN`, `WHILE … DO`, `FOR x IN (…) DO`, `WHEN … THEN`,
 * `EXCEPTION WHEN ERROR THEN`) and returns where the statement proper starts (`end` when there
 * is none); `null` when a condition has no THEN / DO. Conditions stay in the token range, so
 * tables they read are still found.
 */
export function stripScriptPrefix(toks: readonly Token[], start: number, end: number): number | null {
  let k = start;
  while (k < end) {
    const t = toks[k]!;
    const next = toks[k + 1];
    if ((t.kind === 'word' || t.kind === 'quoted') && next?.kind === 'punct' && next.text === ':' && k + 1 < end) {
      k += 2;
      continue;
    }
    switch (t.upper) {
      case 'BEGIN':
        if (['TRANSACTION', 'TRAN'].includes(next?.upper ?? '') || k + 1 >= end) return k;
        k++;
        continue;
      case 'ELSE':
      case 'LOOP':
      case 'REPEAT':
      case 'DO':
        k++;
        continue;
      case 'IF':
      case 'ELSEIF':
      case 'WHILE':
      case 'WHEN':
      case 'CASE':
      case 'FOR':
      case 'EXCEPTION': {
        const body = afterTopLevel(toks, k + 1, end, t.upper === 'WHILE' || t.upper === 'FOR' ? 'DO' : 'THEN');
        if (body === null) return null;
        k = body;
        continue;
      }
      default:
        return k;
    }
  }
  return k;
}

function afterTopLevel(toks: readonly Token[], k: number, end: number, keyword: string): number | null {
  let depth = 0;
  for (let i = k; i < end; i++) {
    const t = toks[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.upper === keyword) return i + 1;
  }
  return null;
}
