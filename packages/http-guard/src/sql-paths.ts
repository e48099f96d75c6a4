/**
 * Table paths in GoogleSQL: `t`, `ds.t`, `project.ds.t`, `` `project.ds.t` ``, `` `project`.ds.t ``,
 * `my-project.ds.t` (unquoted dashes), and their qualification with the request's default
 * project and dataset (jobs.query `defaultDataset`).
 */
import { stripDecorator } from './confine.js';
import type { Token } from './sql-tokenizer.js';

export interface PathRead {
  parts: string[];
  /** Index of the first token after the path. */
  next: number;
}

const adjacent = (a: Token, b: Token): boolean => a.end === b.start;

/** Reads a path starting at token `k` (before `end`); `null` when there is none. */
export function readPath(toks: readonly Token[], k: number, end: number): PathRead | null {
  const parts: string[] = [];
  let i = k;
  for (;;) {
    const t = toks[i];
    if (i >= end || t === undefined) return null;
    if (t.kind === 'quoted') {
      parts.push(...t.text.split('.'));
      i++;
    } else if (t.kind === 'word' || (t.kind === 'number' && parts.length > 0)) {
      // Unquoted dashes join words and numbers written without spaces: my-project-123.
      let name = t.text;
      let j = i + 1;
      while (j + 1 < end) {
        const dash = toks[j]!;
        const after = toks[j + 1]!;
        if (dash.kind !== 'punct' || dash.text !== '-' || !adjacent(toks[j - 1]!, dash) || !adjacent(dash, after)) break;
        if (after.kind !== 'word' && after.kind !== 'number') break;
        name += `-${after.text}`;
        j += 2;
      }
      parts.push(name);
      i = j;
    } else {
      return null;
    }
    const dot = toks[i];
    if (i < end && dot !== undefined && dot.kind === 'punct' && dot.text === '.') {
      i++;
      continue;
    }
    return { parts, next: i };
  }
}

export interface QualifyContext {
  /** The project the job runs in (the connection's): unqualified datasets live there. */
  projectId: string;
  defaultDataset?: { projectId: string; datasetId: string } | undefined;
}

export type Qualified = { ok: true; name: string } | { ok: false; problem: string };

/**
 * `project.dataset.table` for a path, with a `$partition` / `@snapshot` decorator removed.
 * INFORMATION_SCHEMA views keep their four-part shape (`project.region-us.INFORMATION_SCHEMA.JOBS`),
 * which no dataset glob matches: they are metadata of a whole project or dataset.
 */
export function qualify(parts: readonly string[], ctx: QualifyContext): Qualified {
  const shown = parts.join('.');
  if (parts.some((p) => p === '')) return { ok: false, problem: `table name "${short(shown)}" has an empty part` };
  const info = parts.findIndex((p) => p.toUpperCase() === 'INFORMATION_SCHEMA');
  if (info !== -1) {
    const prefix = parts.slice(0, info);
    const scoped = prefix.length === 0 ? [ctx.projectId, ctx.defaultDataset?.datasetId ?? 'region-unknown'] : prefix.length === 1 ? [ctx.projectId, ...prefix] : prefix;
    return { ok: true, name: [...scoped, ...parts.slice(info)].join('.') };
  }
  const table = stripDecorator(parts[parts.length - 1]!);
  switch (parts.length) {
    case 1:
      if (ctx.defaultDataset === undefined) return { ok: false, problem: `table "${short(shown)}" names no dataset and the request has no default dataset` };
      return { ok: true, name: `${ctx.defaultDataset.projectId}.${ctx.defaultDataset.datasetId}.${table}` };
    case 2:
      return { ok: true, name: `${ctx.projectId}.${parts[0]}.${table}` };
    case 3:
      return { ok: true, name: `${parts[0]}.${parts[1]}.${table}` };
    default:
      return { ok: false, problem: `table name "${short(shown)}" has too many parts` };
  }
}

/** A dataset (CREATE SCHEMA, GRANT ON SCHEMA): `project.dataset.*`, matched only by globs covering every table. */
export function qualifyDataset(parts: readonly string[], ctx: QualifyContext): Qualified {
  if (parts.length === 1 && parts[0] !== '') return { ok: true, name: `${ctx.projectId}.${parts[0]}.*` };
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { ok: true, name: `${parts[0]}.${parts[1]}.*` };
  return { ok: false, problem: `dataset name "${short(parts.join('.'))}" cannot be read` };
}

function short(s: string): string {
  return s.length <= 100 ? s : `${s.slice(0, 100)}…`;
}
