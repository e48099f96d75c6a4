/**
 * The HTTP, BigQuery and MCP parts of a guardrail (docs/policies.md "HTTP guardrails"): their
 * spec, their validation and how they combine across guardrails. The globs, classes and methods
 * are those of @jitgate/http-guard, which decides the requests, so this refuses at load time
 * exactly what that package could not honour.
 */
import { z } from 'zod';
import { compileMasker } from '@jitgate/masking';
import { BIGQUERY_CLASSES, checkDatasetGlob, checkPathGlob, HTTP_METHODS, type BigQueryClass, type HttpGuardrails, type HttpMethod } from '@jitgate/http-guard';
import { mcpPolicySchema, type McpPolicy } from '@jitgate/mcp-guard';
import { parseDuration } from './duration.js';
import type { RuleRef } from './types.js';

export type { BigQueryClass, HttpMethod };

export interface HttpGuardrailSpec {
  /** Only GET/HEAD/OPTIONS; BigQuery: only read-only SQL; MCP: tools/call refused. */
  readOnly?: boolean;
  rules?: { methods?: HttpMethod[]; paths: string[]; action: 'block' | 'approve' }[];
  /** Who decides held requests; required when this guardrail holds anything. */
  approvals?: { count: number; groups: string[] };
  approvalTimeout?: string | number;
}

export interface BigQueryGuardrailSpec {
  block?: BigQueryClass[];
  requireApproval?: BigQueryClass[];
  /** Globs over `dataset.table` (the connection's project) or `project.dataset.table`. */
  datasets?: { read?: string[]; write?: string[] };
  unparseable?: 'refuse' | 'flag';
}

/** The longest list a guardrail may hold (classes, globs, groups). */
export const MAX_LIST = 100;

const approverGroup = z
  .string()
  .min(1)
  .max(256)
  .refine((g) => !g.includes('*'), { error: 'approver groups are exact names; "*" is not allowed' });
export const approvalsSchema = z.strictObject({ count: z.number().int().min(1).max(10), groups: z.array(approverGroup).min(1).max(MAX_LIST) });

const fromCheck = (check: (s: string) => string | null) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

const methodSchema = z.enum(HTTP_METHODS, { error: `expected an upper-case HTTP method: ${HTTP_METHODS.join(', ')}` });
const pathGlob = fromCheck(checkPathGlob);
const datasetGlob = fromCheck(checkDatasetGlob);
const bigQueryClass = z.enum(BIGQUERY_CLASSES, { error: `expected a BigQuery class: ${BIGQUERY_CLASSES.join(', ')}` });

export function httpSchema(duration: z.ZodType<string | number>) {
  return z.strictObject({
    readOnly: z.boolean().optional(),
    rules: z
      .array(
        z.strictObject({
          methods: z.array(methodSchema).min(1).max(HTTP_METHODS.length).optional(),
          paths: z.array(pathGlob).min(1).max(MAX_LIST),
          action: z.enum(['block', 'approve']),
        }),
      )
      .max(MAX_LIST)
      .optional(),
    approvals: approvalsSchema.optional(),
    approvalTimeout: duration.optional(),
  });
}

export const bigquerySchema = z.strictObject({
  block: z.array(bigQueryClass).max(MAX_LIST).optional(),
  requireApproval: z.array(bigQueryClass).max(MAX_LIST).optional(),
  datasets: z
    .strictObject({ read: z.array(datasetGlob).max(MAX_LIST).optional(), write: z.array(datasetGlob).max(MAX_LIST).optional() })
    .refine((d) => d.read !== undefined || d.write !== undefined, { error: 'datasets needs read or write' })
    .optional(),
  unparseable: z.enum(['refuse', 'flag']).optional(),
});

export { mcpPolicySchema };

/** JSON paths in the masking package's syntax, checked by the masking package itself. */
export const jsonPathsSchema = z
  .array(z.string().min(1).max(512))
  .max(MAX_LIST)
  .superRefine((paths, ctx) => {
    try {
      compileMasker({ columns: [], detectors: [] }).maskJson(null, { paths });
    } catch (e: unknown) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : 'invalid JSON path' });
    }
  });

interface HoldingParts {
  http?: HttpGuardrailSpec | undefined;
  bigquery?: BigQueryGuardrailSpec | undefined;
  mcp?: McpPolicy | undefined;
}

/** Whether a guardrail holds anything for approval over HTTP (then `http.approvals` is required). */
export function holdsHttp(g: HoldingParts): boolean {
  return (g.http?.rules ?? []).some((r) => r.action === 'approve') || (g.bigquery?.requireApproval ?? []).length > 0 || (g.mcp?.tools ?? []).some((t) => t.action === 'approve');
}

/** Cross-part checks of one guardrail (zod superRefine on the guardrail object). */
export function checkHttpApprovals(g: HoldingParts, ctx: z.RefinementCtx): void {
  const held = holdsHttp(g);
  const what = 'http approve rules, bigquery.requireApproval or mcp approve tool rules';
  if (held && !g.http?.approvals) ctx.addIssue({ code: 'custom', path: ['http', 'approvals'], message: `required with ${what}` });
  if (!held && g.http?.approvals) ctx.addIssue({ code: 'custom', path: ['http', 'approvals'], message: `only with ${what}` });
  if (!held && g.http?.approvalTimeout !== undefined) ctx.addIssue({ code: 'custom', path: ['http', 'approvalTimeout'], message: `only with ${what}` });
}

/** Accumulates the HTTP parts of the applying guardrails, most specific first. */
export class HttpResolution {
  private readOnly: boolean;
  private readonly rules: HttpGuardrails['rules'] = [];
  private readonly block = new Set<BigQueryClass>();
  private readonly held = new Set<BigQueryClass>();
  private readonly datasets: HttpGuardrails['bigquery']['datasets'] = [];
  private readonly mcp: HttpGuardrails['mcp'] = [];
  private approvals: HttpGuardrails['approvals'] = null;
  private timeout: number | null = null;
  private saysRefuse = false;
  private saysFlag = false;

  constructor(readOnlyScope: boolean) {
    this.readOnly = readOnlyScope;
  }

  add(g: HoldingParts, ref: RuleRef): void {
    const { http, bigquery, mcp } = g;
    if (http?.readOnly) this.readOnly = true;
    for (const r of http?.rules ?? []) {
      this.rules.push({ methods: r.methods ? [...r.methods] : null, paths: [...r.paths], action: r.action, rule: ref });
    }
    // The most specific guardrail with approvers names them (callers add in that order).
    if (http?.approvals && this.approvals === null) this.approvals = { count: http.approvals.count, groups: [...http.approvals.groups], rule: ref };
    if (http?.approvalTimeout !== undefined) {
      const seconds = parseDuration(http.approvalTimeout);
      this.timeout = this.timeout === null ? seconds : Math.min(this.timeout, seconds);
    }
    for (const c of bigquery?.block ?? []) this.block.add(c);
    for (const c of bigquery?.requireApproval ?? []) this.held.add(c);
    if (bigquery?.datasets) {
      const { read, write } = bigquery.datasets;
      this.datasets.push({ read: read ? [...read] : null, write: write ? [...write] : null, rule: ref });
    }
    if (bigquery?.unparseable === 'refuse') this.saysRefuse = true;
    if (bigquery?.unparseable === 'flag') this.saysFlag = true;
    if (mcp) this.mcp.push({ policy: mcp, rule: ref });
  }

  result(): HttpGuardrails {
    return {
      readOnly: this.readOnly,
      rules: this.rules,
      bigquery: {
        block: [...this.block],
        requireApproval: [...this.held],
        datasets: this.datasets,
        unparseable: this.saysFlag && !this.saysRefuse ? 'flag' : 'refuse',
      },
      mcp: this.mcp,
      approvals: this.approvals,
      approvalTimeoutSeconds: this.timeout,
    };
  }
}

/** What a forged or missing policy set resolves to: read-only, nothing else. */
export function strictestHttp(): HttpGuardrails {
  return new HttpResolution(true).result();
}
