/**
 * The two glob languages of HTTP guardrails, validated here so that @jitgate/policy refuses at
 * load time exactly what this package could not honour:
 * - path globs over decoded path segments: `/storage/v1/b/*\/o/**`;
 * - dataset globs over BigQuery table names: `finance.*`, `bigquery-public-data.*.*`.
 * Inside a segment `*` is any run of characters; nothing else is special (no `?`, classes or
 * escapes), so a glob never means something other than it looks like.
 */
import { globMatch } from '@jitgate/mcp-guard';

export const MAX_GLOB_LENGTH = 512;
export const MAX_GLOB_SEGMENTS = 64;

// Characters a path glob may not hold: the query and fragment separators, percent escapes
// (globs match decoded segments), backslashes, white space and controls.
const PATH_GLOB_FORBIDDEN = /[?#%\\\s\u0000-\u001f\u007f]/;

/** `null` when `glob` is a valid path glob, else what is wrong with it. */
export function checkPathGlob(glob: string): string | null {
  if (glob.length === 0 || glob.length > MAX_GLOB_LENGTH) return `must be 1-${MAX_GLOB_LENGTH} characters`;
  if (!glob.startsWith('/')) return 'must start with "/"';
  if (PATH_GLOB_FORBIDDEN.test(glob)) return 'may not contain "?", "#", "%", "\\", white space or control characters (globs match decoded path segments)';
  const segments = glob.slice(1).split('/');
  if (segments.length > MAX_GLOB_SEGMENTS) return `at most ${MAX_GLOB_SEGMENTS} segments`;
  for (const [i, s] of segments.entries()) {
    if (s === '' && !(i === segments.length - 1)) return 'empty segment ("//")';
    if (s === '.' || s === '..') return '"." and ".." segments are not allowed';
    if (s.includes('**') && s !== '**') return '"**" must be a whole segment';
  }
  return null;
}

/**
 * Matches a valid path glob against decoded path segments (`/a/b` → `['a', 'b']`; `/` → `['']`).
 * `**` matches zero or more segments. Dynamic programming over (glob segment, path segment):
 * O(glob × path), never a regex.
 */
export function matchPathGlob(glob: string, segments: readonly string[]): boolean {
  const pattern = glob.slice(1).split('/');
  // reach[j]: the first i pattern segments can consume the first j path segments.
  let reach: boolean[] = new Array<boolean>(segments.length + 1).fill(false);
  reach[0] = true;
  for (const p of pattern) {
    const next = new Array<boolean>(segments.length + 1).fill(false);
    if (p === '**') {
      let any = false;
      for (let j = 0; j <= segments.length; j++) {
        any ||= reach[j]!;
        next[j] = any;
      }
    } else {
      for (let j = 0; j < segments.length; j++) if (reach[j] && globMatch(p, segments[j]!)) next[j + 1] = true;
    }
    reach = next;
  }
  return reach[segments.length]!;
}

// Dataset and table names: no quoting characters, white space, controls or `?`.
const DATASET_GLOB_FORBIDDEN = /[`'"?\\\s\u0000-\u001f\u007f]/;

/** `null` when `glob` is a valid dataset glob (`dataset.table` or `project.dataset.table`). */
export function checkDatasetGlob(glob: string): string | null {
  if (glob.length === 0 || glob.length > 256) return 'must be 1-256 characters';
  if (DATASET_GLOB_FORBIDDEN.test(glob)) return 'may not contain quotes, backslashes, "?", white space or control characters';
  const parts = glob.split('.');
  if (parts.length < 2 || parts.length > 3) return 'must be "dataset.table" or "project.dataset.table" (globs with "*")';
  if (parts.some((p) => p === '')) return 'empty name part';
  return null;
}

/**
 * Matches a valid dataset glob against a qualified name (`project.dataset.table`). A two-part
 * glob speaks of the connection's project. Case-sensitive, as BigQuery dataset and table names
 * are. A name of another shape (INFORMATION_SCHEMA views have four parts) never matches.
 */
export function matchDatasetGlob(glob: string, qualified: string, projectId: string): boolean {
  const g = glob.split('.');
  const full = g.length === 2 ? [projectId, ...g] : g;
  const name = qualified.split('.');
  if (name.length !== full.length) return false;
  return full.every((p, i) => globMatch(p, name[i]!));
}
