/**
 * The declarative part of a rule (`match`), compiled once into predicates. Lists are OR,
 * fields are AND, an absent field matches anything. All comparisons are case-sensitive.
 */
import type { ConnectionType } from '@jitgate/contracts';
import type { EvaluationInput, IdentityKind, RuleMatch } from './types.js';

/** A `*` glob compiled to its literal segments; matching is linear-ish and cannot backtrack badly. */
export interface Glob {
  readonly source: string;
  readonly hasWildcard: boolean;
  test(value: string): boolean;
}

export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*');
  if (parts.length === 1) {
    return { source: pattern, hasWildcard: false, test: (value) => value === pattern };
  }
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  return {
    source: pattern,
    hasWildcard: true,
    test(value) {
      if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
      // Leftmost placement of each middle segment is optimal for `*`-only globs.
      let pos = first.length;
      const end = value.length - last.length;
      for (const segment of middle) {
        const at = value.indexOf(segment, pos);
        if (at === -1 || at + segment.length > end) return false;
        pos = at + segment.length;
      }
      return true;
    },
  };
}

export interface GlobList {
  readonly globs: readonly Glob[];
  readonly hasWildcard: boolean;
}

function globList(patterns: readonly string[]): GlobList {
  const globs = patterns.map(compileGlob);
  return { globs, hasWildcard: globs.some((g) => g.hasWildcard) };
}

function anyGlob(list: GlobList, value: string): boolean {
  return list.globs.some((g) => g.test(value));
}

/** key → accepted values, from `attributes` / `labels` (a single string is a one-value list). */
type ValueSets = ReadonlyArray<readonly [string, ReadonlySet<string>]>;

function valueSets(record: Record<string, string | string[]>): ValueSets {
  return Object.entries(record).map(([key, v]) => [key, new Set(Array.isArray(v) ? v : [v])] as const);
}

export interface CompiledMatch {
  subjects?: GlobList;
  kinds?: ReadonlySet<IdentityKind>;
  groups?: GlobList;
  attributes?: ValueSets;
  names?: GlobList;
  types?: ReadonlySet<ConnectionType>;
  labels?: ValueSets;
  scopes?: GlobList;
}

export function compileMatch(match: RuleMatch | undefined): CompiledMatch {
  const out: CompiledMatch = {};
  const id = match?.identity;
  const conn = match?.connection;
  if (id?.subjects) out.subjects = globList(id.subjects);
  if (id?.kinds) out.kinds = new Set(id.kinds);
  if (id?.groups) out.groups = globList(id.groups);
  if (id?.attributes) out.attributes = valueSets(id.attributes);
  if (conn?.names) out.names = globList(conn.names);
  if (conn?.types) out.types = new Set(conn.types);
  if (conn?.labels) out.labels = valueSets(conn.labels);
  if (match?.request?.scopes) out.scopes = globList(match.request.scopes);
  return out;
}

/** True when every matcher present accepts the input. */
export function matches(m: CompiledMatch, input: EvaluationInput): boolean {
  const { identity, connection, request } = input;
  if (m.subjects && !anyGlob(m.subjects, identity.subject)) return false;
  if (m.kinds && !m.kinds.has(identity.kind)) return false;
  if (m.groups) {
    const groups = m.groups;
    if (!identity.groups.some((g) => typeof g === 'string' && anyGlob(groups, g))) return false;
  }
  if (m.attributes && !valuesMatch(m.attributes, identity.attributes)) return false;
  if (m.names && !anyGlob(m.names, connection.name)) return false;
  if (m.types && !m.types.has(connection.type)) return false;
  if (m.labels && !valuesMatch(m.labels, connection.labels)) return false;
  if (m.scopes && !scopeMatches(m.scopes, request.scope)) return false;
  return true;
}

// No scope (null or "") is matched only by the pattern "*" exactly, so `scopes: ["*"]` means
// "any scope or none" while `scopes: ["read-*"]` requires a scope.
function scopeMatches(list: GlobList, scope: string | null): boolean {
  if (scope === null || scope === '') return list.globs.some((g) => g.source === '*');
  return anyGlob(list, scope);
}

// Every listed key must be present (own property) with one of the listed values. Values are
// compared as strings; a multi-valued attribute (an array) matches when any element does.
function valuesMatch(sets: ValueSets, record: Record<string, unknown>): boolean {
  return sets.every(([key, accepted]) => {
    if (!Object.hasOwn(record, key)) return false;
    const actual = record[key];
    const candidates: unknown[] = Array.isArray(actual) ? actual : [actual];
    return candidates.some((c) => {
      const text = scalarText(c);
      return text !== undefined && accepted.has(text);
    });
  });
}

function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}
