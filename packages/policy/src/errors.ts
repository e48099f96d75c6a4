/** One problem found in a policy document, located by a path such as `rules[2].approvals.count`. */
export interface PolicyIssue {
  /** Human-readable location, e.g. `rules[2].approvals.count` ("" for the whole document). */
  path: string;
  /** The same location as keys and indexes, e.g. `['rules', 2, 'approvals', 'count']`. */
  segments: Array<string | number>;
  message: string;
  /** 1-based line in the YAML source, when the document came from `parsePolicyFile`. */
  line?: number;
}

export type PolicyErrorCode = 'invalid_policy' | 'invalid_duration';

/**
 * The package's one error type. It is only thrown while parsing or compiling policies and
 * durations; `evaluate` never throws (it denies). For `invalid_policy`, `details` and `issues`
 * hold one `PolicyIssue` per problem so an API can return all of them at once.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  /** Typed view of `details` for `invalid_policy` errors; empty otherwise. */
  readonly issues: readonly PolicyIssue[];

  constructor(
    public readonly code: PolicyErrorCode,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.issues = Array.isArray(details) ? details.filter(isPolicyIssue) : [];
  }
}

function isPolicyIssue(value: unknown): value is PolicyIssue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { path?: unknown }).path === 'string' &&
    Array.isArray((value as { segments?: unknown }).segments) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

export function issueAt(segments: ReadonlyArray<PropertyKey>, message: string): PolicyIssue {
  const plain = segments.map((s) => (typeof s === 'number' ? s : String(s)));
  return { path: formatPath(plain), segments: plain, message };
}

/** Renders a zod-style path (`['rules', 2, 'name']`) as `rules[2].name`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Builds the `invalid_policy` error; the message repeats the first few issues for logs. */
export function invalidPolicy(unsorted: PolicyIssue[], subject = 'policy'): PolicyError {
  const issues = [...unsorted].sort(bySourceOrder);
  const shown = issues
    .slice(0, 3)
    .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
    .join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new PolicyError('invalid_policy', `invalid ${subject}: ${shown}${more}`, issues);
}

// Issues are collected by several passes (structure, CEL, duplicates); report them in document
// order: by YAML line when known, else by rule index. Sorting is stable, so issues within one
// rule keep the order the passes found them in.
function bySourceOrder(a: PolicyIssue, b: PolicyIssue): number {
  if (a.line !== undefined && b.line !== undefined) return a.line - b.line;
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y;
    } else if (x !== y) {
      return 0;
    }
  }
  return 0;
}
