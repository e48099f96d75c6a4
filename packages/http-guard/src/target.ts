/**
 * Request-target canonicalisation. A path is accepted only when every server on the way (the
 * agent, a Google front end, a framework behind a Cloud Run URL) must read it the same way, so
 * that what the rules saw is what the target serves. Anything ambiguous is refused rather than
 * normalised: `..` and `.` segments (also encoded), encoded `/` or `\` outside the one segment
 * that carries a Cloud Storage object name, backslashes, empty segments, `;` path parameters,
 * double encoding of those, control characters and raw non-ASCII.
 */

export const MAX_TARGET_LENGTH = 8192;

export interface ParsedTarget {
  /** The path as sent, without the query string. */
  path: string;
  /** Percent-decoded segments; `/` is `['']`, a trailing slash leaves a last `''`. */
  segments: string[];
  /** Segments in which an encoded `/` (`%2F`) was found, by index. */
  slashed: ReadonlySet<number>;
  /** Decoded query parameters (every value, in order); `null` when the query is malformed. */
  query: Map<string, string[]> | null;
}

export type TargetResult = { ok: true; target: ParsedTarget } | { ok: false; reason: string };

// Raw characters allowed in a path: RFC 3986 pchar, minus `;` (path parameters, see above).
const RAW_PATH = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
const ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// After one decoding: a second layer of escapes for `.`, `/`, `\` means a server that decodes
// twice would see another path.
const DOUBLE_ENCODED = /%(2[eEfF]|5[cC]|25)/;

export function parseTarget(target: string): TargetResult {
  if (typeof target !== 'string' || target.length === 0) return { ok: false, reason: 'empty request target' };
  if (target.length > MAX_TARGET_LENGTH) return { ok: false, reason: `request target longer than ${MAX_TARGET_LENGTH} characters` };
  if (!target.startsWith('/')) return { ok: false, reason: 'request target must be a path starting with "/"' };
  if (target.includes('#')) return { ok: false, reason: 'request target may not contain a fragment' };
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  if (!RAW_PATH.test(path)) return { ok: false, reason: 'path contains a character that must be percent-encoded, a backslash or ";"' };
  if (ESCAPE.test(path)) return { ok: false, reason: 'path contains a malformed percent escape' };
  const raw = path.slice(1).split('/');
  const segments: string[] = [];
  const slashed = new Set<number>();
  for (const [i, s] of raw.entries()) {
    if (s === '' && i !== raw.length - 1) return { ok: false, reason: 'path contains an empty segment ("//")' };
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      return { ok: false, reason: 'path contains a percent escape that is not UTF-8' };
    }
    if (decoded === '.' || decoded === '..') return { ok: false, reason: 'path contains a "." or ".." segment' };
    if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return { ok: false, reason: 'path contains an encoded control character or backslash' };
    if (DOUBLE_ENCODED.test(decoded)) return { ok: false, reason: 'path contains a double-encoded escape' };
    if (decoded.includes('/')) slashed.add(i);
    segments.push(decoded);
  }
  return { ok: true, target: { path, segments, slashed, query: parseQuery(rawQuery) } };
}

/**
 * The one value of a query parameter: `undefined` when absent, `null` when repeated or the query
 * is malformed (servers differ on which copy wins, so a decision never rests on one).
 */
export function queryValue(target: ParsedTarget, key: string): string | undefined | null {
  if (target.query === null) return null;
  const values = target.query.get(key);
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0]! : null;
}

function parseQuery(raw: string): Map<string, string[]> | null {
  const out = new Map<string, string[]>();
  if (raw === '') return out;
  if (/[\s\u0000-\u001f\u007f#]/.test(raw)) return null;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    try {
      const key = decodeURIComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      const list = out.get(key);
      if (list === undefined) out.set(key, [value]);
      else list.push(value);
    } catch {
      return null;
    }
  }
  return out;
}
