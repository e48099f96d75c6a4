// Matching calls against the read-only allow-lists generated from PostgreSQL's catalogue
// (read-only-functions.generated.ts, by scripts/generate-catalog-lists.mjs).
//
// Names are compared exactly as the parser gives them (unquoted identifiers are already folded
// to lower case; a quoted "LOWER" is another function, possibly a user's), and only bare names
// or names qualified with pg_catalog match: `myschema.lower(x)` is a user's function whatever
// its name. What name matching cannot see (a user's overload of a built-in name for a user's
// type, or one found first through a search_path the session set) is for the database's own
// read-only transaction and role to stop: README.md "Read-only".
import { READ_ONLY_FUNCTION_NAMES, READ_ONLY_OPERATOR_NAMES } from './read-only-functions.generated.js';

const FUNCTIONS: ReadonlySet<string> = new Set(READ_ONLY_FUNCTION_NAMES);
const OPERATORS: ReadonlySet<string> = new Set(READ_ONLY_OPERATOR_NAMES);

function builtInName(parts: readonly string[]): string | undefined {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2 && parts[0] === 'pg_catalog') return parts[1];
  return undefined;
}

/** `parts`: the called name's components as the parser gives them (`['pg_catalog', 'lower']`). */
export function isReadOnlyFunction(parts: readonly string[]): boolean {
  const name = builtInName(parts);
  return name !== undefined && FUNCTIONS.has(name);
}

/** `parts`: the operator's name as the parser gives it (`['=']`, `['pg_catalog', '+']`). */
export function isReadOnlyOperator(parts: readonly string[]): boolean {
  const name = builtInName(parts);
  return name !== undefined && OPERATORS.has(name);
}
