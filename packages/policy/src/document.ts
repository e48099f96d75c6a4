/** Policy document validation: zod structure (schema.ts) plus CEL and duplicate-name checks. */
import { compileCondition, MAX_CONDITION_LENGTH, type CelProgram } from './cel.js';
import { formatPath, invalidPolicy, issueAt, type PolicyIssue } from './errors.js';
import { documentSchema, toIssues } from './schema.js';
import type { PolicyDocument } from './types.js';

export interface CheckedDocument {
  document: PolicyDocument;
  /** The compiled condition of each rule, by rule index (null when the rule has none). */
  programs: Array<CelProgram | null>;
}

export type CheckResult = { ok: true; value: CheckedDocument } | { ok: false; issues: PolicyIssue[] };

/**
 * Validates a document and compiles its conditions. `prefix` is prepended to every issue path
 * (`policies[1]` when the document sits inside a YAML file).
 */
export function checkDocument(input: unknown, prefix: ReadonlyArray<PropertyKey> = []): CheckResult {
  const parsed = documentSchema.safeParse(input);
  const issues: PolicyIssue[] = parsed.success ? [] : toIssues(parsed.error, prefix);

  // Conditions and duplicate names are checked on the raw input, so they are reported even
  // when another part of the document is malformed (zod skips refinements on invalid parents).
  const programs: Array<CelProgram | null> = [];
  const firstIndexByName = new Map<string, number>();
  const rules = isRecord(input) && Array.isArray(input['rules']) ? (input['rules'] as unknown[]) : [];
  rules.forEach((rule, index) => {
    programs.push(null);
    if (!isRecord(rule)) return;
    const name = rule['name'];
    if (typeof name === 'string') {
      const first = firstIndexByName.get(name);
      if (first === undefined) firstIndexByName.set(name, index);
      else {
        const message = `duplicate rule name "${name}" (also ${formatPath([...prefix, 'rules', first])})`;
        issues.push(issueAt([...prefix, 'rules', index, 'name'], message));
      }
    }
    const condition = rule['condition'];
    // Over-long or non-string conditions are already reported by the schema.
    if (typeof condition === 'string' && condition.length > 0 && condition.length <= MAX_CONDITION_LENGTH) {
      const compiled = compileCondition(condition);
      if (compiled.ok) programs[index] = compiled.program;
      else issues.push(issueAt([...prefix, 'rules', index, 'condition'], compiled.message));
    }
  });

  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { document: parsed.data, programs } };
}

/**
 * Validates a policy document (JSON from the database or an API body) and returns a clean
 * copy. Throws `PolicyError('invalid_policy')` whose `details` lists every problem with its path.
 */
export function parsePolicyDocument(input: unknown): PolicyDocument {
  const result = checkDocument(input);
  if (!result.ok) throw invalidPolicy(result.issues);
  return result.value.document;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
