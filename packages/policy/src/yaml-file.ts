/**
 * Policy files (GitOps): `policies: [{ name, description?, rules: [...] }, ...]`. Every problem
 * is reported at once, with its path and the line it sits on.
 */
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { checkDocument } from './document.js';
import { invalidPolicy, issueAt, type PolicyIssue } from './errors.js';
import { nameSchema, toIssues } from './schema.js';
import type { PolicyDocument } from './types.js';

export interface PolicyFileEntry {
  name: string;
  description: string;
  document: PolicyDocument;
}

/** In UTF-16 code units (string length), which bounds the bytes read closely enough. */
export const MAX_POLICY_FILE_LENGTH = 1024 * 1024;
const MAX_POLICIES = 200;

// The envelope only (rules are optional here): each policy's rules go through checkDocument,
// which also reports a missing `rules`, so the messages match the API's.
const fileSchema = z.strictObject({
  policies: z.array(z.strictObject({ name: nameSchema, description: z.string().max(1024).optional(), rules: z.unknown().optional(), guardrails: z.unknown().optional() })).max(MAX_POLICIES),
});

export function parsePolicyFile(yamlText: string): PolicyFileEntry[] {
  if (yamlText.length > MAX_POLICY_FILE_LENGTH) {
    throw invalidPolicy([issueAt([], `policy file is longer than ${MAX_POLICY_FILE_LENGTH} characters`)], 'policy file');
  }
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema (so `no` stays a string); duplicate keys are errors.
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({ ...issueAt([], `invalid YAML: ${firstLine(e.message)}`), ...lineOf(lineCounter.linePos(e.pos[0]).line) }));
    throw invalidPolicy(issues, 'policy file');
  }
  let raw: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e: unknown) {
    throw invalidPolicy([issueAt([], `invalid YAML: ${e instanceof Error ? e.message : String(e)}`)], 'policy file');
  }

  const envelope = fileSchema.safeParse(raw);
  const issues: PolicyIssue[] = envelope.success ? [] : toIssues(envelope.error);
  const entries: PolicyFileEntry[] = [];
  const firstIndexByName = new Map<string, number>();
  const policies = isRecord(raw) && Array.isArray(raw['policies']) ? (raw['policies'] as unknown[]) : [];
  policies.forEach((policy, index) => {
    if (!isRecord(policy)) return;
    const name = policy['name'];
    if (typeof name === 'string') {
      const first = firstIndexByName.get(name);
      if (first === undefined) firstIndexByName.set(name, index);
      else issues.push(issueAt(['policies', index, 'name'], `duplicate policy name "${name}" (also policies[${first}])`));
    }
    const checked = checkDocument(policy['guardrails'] === undefined ? { rules: policy['rules'] } : { rules: policy['rules'], guardrails: policy['guardrails'] }, ['policies', index]);
    if (!checked.ok) issues.push(...checked.issues);
    else if (typeof name === 'string') {
      const description = typeof policy['description'] === 'string' ? policy['description'] : '';
      entries.push({ name, description, document: checked.value.document });
    }
  });
  if (issues.length > 0)
    throw invalidPolicy(
      issues.map((i) => withLine(i, doc, lineCounter)),
      'policy file',
    );
  return entries;
}

/** Adds the line of the closest YAML node on the issue's path (a missing key points at its parent). */
function withLine(issue: PolicyIssue, doc: Document, lineCounter: LineCounter): PolicyIssue {
  for (let n = issue.segments.length; n >= 0; n--) {
    const node: unknown = doc.getIn(issue.segments.slice(0, n), true);
    if (isNode(node) && node.range) return { ...issue, ...lineOf(lineCounter.linePos(node.range[0]).line) };
  }
  return issue;
}

function lineOf(line: number | undefined): { line?: number } {
  return line !== undefined && line > 0 ? { line } : {};
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
