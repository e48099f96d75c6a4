/** Helpers for libpg-query's JSON parse tree (plain objects, node names as keys). */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A list of `{ String: { sval } }` nodes, as in qualified names. */
export function nameList(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const s = isObj(item) && isObj(item['String']) ? str(item['String']['sval']) : undefined;
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Settings whose change is a change of identity: SET ROLE, SET SESSION AUTHORIZATION. */
export const ROLE_SETTINGS: ReadonlySet<string> = new Set(['role', 'session_authorization']);
