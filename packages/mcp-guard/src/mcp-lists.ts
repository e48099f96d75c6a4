import type { McpPolicy } from './mcp-policy.js';
import { matchResourceRule, namedVisibility } from './mcp-rules.js';

/** `_meta` key set on listed tools that need approval: `required`, or `conditional` (some arguments). */
export const APPROVAL_META_KEY = 'jitgate/approval';

export interface FilteredList<T> {
  /** A new result object; the input is never written to. */
  result: T;
  /** Names (or URIs) removed, for the audit log. */
  removed: string[];
}

type Listed = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Keeps an item only when its key is a string the policy can let through. A result without the
 * expected array yields an empty list (fail closed); other result fields (`nextCursor`, `_meta`)
 * are kept.
 */
function filterList<T>(result: unknown, field: 'tools' | 'prompts' | 'resources', keyOf: (item: Listed) => unknown, keep: (key: string, item: Listed) => Listed | undefined): FilteredList<T> {
  const base: Record<string, unknown> = isRecord(result) ? { ...result } : {};
  const items = base[field];
  const kept: Listed[] = [];
  const removed: string[] = [];
  if (Array.isArray(items)) {
    for (const item of items) {
      const key = isRecord(item) ? keyOf(item) : undefined;
      const out = typeof key === 'string' && isRecord(item) ? keep(key, item) : undefined;
      if (out === undefined) removed.push(typeof key === 'string' ? key : '<malformed>');
      else kept.push(out);
    }
  }
  base[field] = kept;
  return { result: base as T, removed };
}

/**
 * Filters a `tools/list` result (the SDK's `ListToolsResult`): tools the caller cannot call with
 * any arguments are removed; tools that need approval stay, with `_meta["jitgate/approval"]` set.
 */
export function filterToolsList<T = unknown>(result: T, policy: McpPolicy): FilteredList<T> {
  return filterList<T>(
    result,
    'tools',
    (t) => t['name'],
    (name, tool) => {
      const v = namedVisibility(policy.tools, name, policy);
      if (v === 'hidden') return undefined;
      if (v === 'visible') return tool;
      const meta = isRecord(tool['_meta']) ? tool['_meta'] : {};
      return { ...tool, _meta: { ...meta, [APPROVAL_META_KEY]: v === 'approval' ? 'required' : 'conditional' } };
    },
  );
}

/** Filters a `prompts/list` result (`ListPromptsResult`) by the prompt rules. */
export function filterPromptsList<T = unknown>(result: T, policy: McpPolicy): FilteredList<T> {
  return filterList<T>(
    result,
    'prompts',
    (p) => p['name'],
    (name, prompt) => (namedVisibility(policy.prompts, name, policy) === 'hidden' ? undefined : prompt),
  );
}

/**
 * Filters a `resources/list` result (`ListResourcesResult`) by the resource rules.
 * `resources/templates/list` is not filtered: a URI template is not a URI a glob can be
 * matched against; reads of the expanded URIs are still decided one by one.
 */
export function filterResourcesList<T = unknown>(result: T, policy: McpPolicy): FilteredList<T> {
  return filterList<T>(
    result,
    'resources',
    (r) => r['uri'],
    (uri, resource) => (matchResourceRule(policy, uri).action === 'allow' ? resource : undefined),
  );
}
