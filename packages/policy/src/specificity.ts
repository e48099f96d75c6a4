/**
 * How specific a rule is: a weighted sum over the matchers it uses. Each tier outweighs
 * everything below it combined when the lists are exact; a list containing a `*` glob counts
 * half, because `prod-*` says less than `prod-db`. Weights are documented in README.md.
 */
import type { CompiledMatch, GlobList } from './matchers.js';

export const SPECIFICITY_WEIGHTS = {
  subjects: 64,
  names: 64,
  groups: 8,
  attributes: 8,
  labels: 8,
  scopes: 8,
  kinds: 2,
  types: 2,
  condition: 1,
} as const;

export function specificity(match: CompiledMatch, hasCondition: boolean): number {
  const w = SPECIFICITY_WEIGHTS;
  return (
    glob(match.subjects, w.subjects) +
    glob(match.names, w.names) +
    glob(match.groups, w.groups) +
    (match.attributes ? w.attributes : 0) +
    (match.labels ? w.labels : 0) +
    glob(match.scopes, w.scopes) +
    (match.kinds ? w.kinds : 0) +
    (match.types ? w.types : 0) +
    (hasCondition ? w.condition : 0)
  );
}

function glob(list: GlobList | undefined, weight: number): number {
  if (list === undefined) return 0;
  return list.hasWildcard ? weight / 2 : weight;
}
