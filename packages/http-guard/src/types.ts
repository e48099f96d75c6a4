/**
 * Public shapes of @jitgate/http-guard. `HttpGuardrails` is what @jitgate/policy resolves for a
 * session (`ResolvedGuardrails['http']`); it is declared here, beside the code that reads it, and
 * the policy package uses this very type, so the two cannot drift.
 */
import type { HttpConnectionType } from '@jitgate/contracts';
import type { McpPolicy } from '@jitgate/mcp-guard';

/** A guardrail of a policy: `{ policy: 'data', rule: 'prod-bigquery' }`. */
export interface RuleRef {
  policy: string;
  rule: string;
}

/**
 * What a BigQuery statement (or REST operation) does. `script` is procedural language (DECLARE,
 * SET, BEGIN…END, IF, LOOP…); `unknown` is what the analyser could not classify.
 */
export const BIGQUERY_CLASSES = ['select', 'insert', 'update', 'delete', 'merge', 'truncate', 'create', 'drop', 'alter', 'grant', 'revoke', 'export', 'load', 'call', 'script', 'unknown'] as const;
export type BigQueryClass = (typeof BIGQUERY_CLASSES)[number];

/** Classes that neither change data nor send it elsewhere: what `readOnly` lets through. */
export const READ_ONLY_BIGQUERY_CLASSES: readonly BigQueryClass[] = ['select', 'script'];

/** Methods a guardrail rule may name. CONNECT and TRACE are refused before any rule. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods `readOnly` lets through on plain HTTP and Cloud Storage connections. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

export interface HttpPathRule {
  /** `null`: every method. */
  methods: string[] | null;
  /** Path globs: `*` one segment (or a run of characters inside one), `**` any number of segments. */
  paths: string[];
  action: 'block' | 'approve';
  rule: RuleRef;
}

export interface DatasetLists {
  /** When set, every table read must match one of `read` or `write`. */
  read: string[] | null;
  /** When set, every table written must match one of `write`. */
  write: string[] | null;
  rule: RuleRef;
}

/** The HTTP part of a session's resolved guardrails (`ResolvedGuardrails['http']`). */
export interface HttpGuardrails {
  readOnly: boolean;
  rules: HttpPathRule[];
  bigquery: {
    block: BigQueryClass[];
    requireApproval: BigQueryClass[];
    /** One entry per guardrail that sets a list: a table must satisfy every entry. */
    datasets: DatasetLists[];
    unparseable: 'refuse' | 'flag';
  };
  /** Every applying guardrail's MCP policy; the strictest decision across them wins. */
  mcp: { policy: McpPolicy; rule: RuleRef }[];
  approvals: { count: number; groups: string[]; rule: RuleRef } | null;
  approvalTimeoutSeconds: number | null;
}

export interface HttpRequestFacts {
  connectionType: HttpConnectionType;
  settings: Record<string, unknown>;
  method: string;
  /** Path and query as the caller sent them, relative to the target root. */
  target: string;
}

export interface RequestSummary {
  /** `bigquery.jobs.query`, `gcs.objects.get`, `http`, or `refused` when the path is outside the API. */
  operation: string;
  /** The path as sent (query string removed), cut to 200 characters. */
  path: string;
  sql?: string;
  classes?: string[];
  tables?: { read: string[]; written: string[] };
  bucket?: string;
  object?: string;
  /** Set when something could not be analysed and `unparseable: flag` let it through. */
  flagged?: string;
}

export type HttpDecision =
  | { action: 'forward'; summary: RequestSummary }
  | { action: 'block'; reason: string; rule?: RuleRef; summary: RequestSummary }
  | { action: 'hold'; reason: string; rule: RuleRef; summary: RequestSummary };
