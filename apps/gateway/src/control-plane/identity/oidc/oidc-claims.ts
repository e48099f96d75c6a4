/**
 * Reading claims out of a verified JWT payload. Pure functions: the payload is attacker-shaped
 * JSON until proven otherwise, so every read tolerates any type and never throws.
 */

// Azure AD can emit a few hundred groups; beyond this the claim is more likely abuse than data.
const MAX_GROUPS = 1000;
const MAX_GROUP_LENGTH = 512;

/**
 * Returns the value at `path`, or undefined.
 *
 * A claim whose own name contains dots (Auth0 namespaced claims such as
 * "https://jitgate.dev/groups") is read as-is first; only when no such top-level claim exists is
 * the path split on dots and walked through nested objects ("realm_access.roles").
 * Only own properties are read, so "__proto__" or "constructor" never reach Object.prototype.
 */
export function readClaim(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) {
    return payload[path];
  }
  let current: unknown = payload;
  for (const segment of path.split('.')) {
    if (!isPlainRecord(current) || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    current = current[segment];
  }
  return current;
}

/** A non-empty string claim, or undefined for a missing or otherwise-typed one. */
export function readStringClaim(payload: Readonly<Record<string, unknown>>, path: string): string | undefined {
  const value = readClaim(payload, path);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Group names from the groups claim: an array keeps its non-empty strings (other elements are
 * dropped, duplicates removed), a single string is one group, anything else is no group at all.
 * Dropping rather than rejecting is safe because groups only ever add access: a malformed claim
 * can make an identity lose access, never gain it.
 */
export function readGroups(payload: Readonly<Record<string, unknown>>, path: string): string[] {
  const value = readClaim(payload, path);
  const candidates: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const groups = new Set<string>();
  for (const candidate of candidates) {
    if (groups.size >= MAX_GROUPS) break;
    if (typeof candidate === 'string' && candidate.length > 0 && candidate.length <= MAX_GROUP_LENGTH) {
      groups.add(candidate);
    }
  }
  return [...groups];
}

/** Copies the listed claims that are present; keys are the configured claim paths. */
export function readAttributes(payload: Readonly<Record<string, unknown>>, paths: readonly string[]): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const path of paths) {
    const value = readClaim(payload, path);
    if (value !== undefined) entries.push([path, value]);
  }
  // fromEntries defines own data properties, so even a "__proto__" key cannot set a prototype.
  return Object.fromEntries(entries);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
