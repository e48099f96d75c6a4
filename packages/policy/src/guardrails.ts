/**
 * Guardrails: what a session may do once a grant lets it in (README.md "Guardrails"). Access
 * rules decide *whether* an identity reaches a connection; guardrails decide which statements
 * run, which wait for a human, and what is masked on the way back. Every guardrail whose match
 * accepts the session applies, and they combine towards the stricter: blocks and masks add up,
 * read-only wins, unparseable SQL is refused unless every rule that speaks of it says "flag".
 * The one way to relax: the built-in baseline of @jitgate/sql-guard is blocked in every session
 * unless an applying guardrail allows a class by name (`sql.allow`), and a class any applying
 * guardrail blocks stays blocked. The HTTP, BigQuery and MCP parts live in guardrails-http.ts.
 */
import { z } from 'zod';
import { DETECTORS } from '@jitgate/masking';
import type { HttpGuardrails } from '@jitgate/http-guard';
import type { McpPolicy } from '@jitgate/mcp-guard';
import { BASELINE_BLOCKED_CLASSES, isBaselineClass, isStatementClass, STATEMENT_CLASSES } from '@jitgate/sql-guard';
import { parseDuration } from './duration.js';
import {
  approvalsSchema,
  bigquerySchema,
  checkHttpApprovals,
  httpSchema,
  HttpResolution,
  jsonPathsSchema,
  MAX_LIST,
  mcpPolicySchema,
  type BigQueryGuardrailSpec,
  type HttpGuardrailSpec,
} from './guardrails-http.js';
import { gcpGuardrailSchema, resolveGcp, type GcpGuardrailSpec, type ResolvedGcp } from './guardrails-gcp.js';
import { compileMatch, matches, type CompiledMatch } from './matchers.js';
import { specificity } from './specificity.js';
import { READ_ONLY_SCOPE, type ConnectionType } from '@jitgate/contracts';
import type { IdentityKind, RuleMatch, RuleRef } from './types.js';

export type StatementClassName = (typeof STATEMENT_CLASSES)[number];
/** The classes of the built-in baseline, the only ones `sql.allow` takes. */
export type BaselineClassName = (typeof BASELINE_BLOCKED_CLASSES)[number];
export type DetectorName = (typeof DETECTORS)[number];

export interface GuardrailSpec {
  name: string;
  description?: string;
  match?: RuleMatch;
  sql?: {
    /** Only statements that cannot change data or server state run. */
    readOnly?: boolean;
    block?: StatementClassName[];
    /**
     * Classes of the built-in baseline (BASELINE_BLOCKED_CLASSES of @jitgate/sql-guard) to let
     * through in the sessions this guardrail applies to; no other class is accepted here.
     */
    allow?: BaselineClassName[];
    requireApproval?: StatementClassName[];
    /** Who decides held statements; required with requireApproval. */
    approvals?: { count: number; groups: string[] };
    /** How long the client waits for the decision (default JITGATE_PG_APPROVAL_TIMEOUT). */
    approvalTimeout?: string | number;
    /** SQL the parser cannot read: refuse it (the default) or let it through, flagged. */
    unparseable?: 'refuse' | 'flag';
  };
  /** HTTP requests on http, bigquery, gcs, cloudrun and mcp connections (guardrails-http.ts). */
  http?: HttpGuardrailSpec;
  bigquery?: BigQueryGuardrailSpec;
  /** The MCP policy of @jitgate/mcp-guard, as is. */
  mcp?: McpPolicy;
  /** Whom the agent mints Google tokens for in these sessions (guardrails-gcp.ts). */
  gcp?: GcpGuardrailSpec;
  masking?: {
    /** Case-insensitive globs on result column names, e.g. "*email*". */
    columns?: string[];
    detectors?: DetectorName[];
    /** JSON paths masked whole in JSON response bodies (@jitgate/masking's path syntax). */
    jsonPaths?: string[];
  };
}

export function guardrailSchema(name: z.ZodType<string>, match: z.ZodType<RuleMatch>, duration: z.ZodType<string | number>) {
  return z
    .strictObject({
      name,
      description: z.string().max(1024).optional(),
      match: match.optional(),
      sql: z
        .strictObject({
          readOnly: z.boolean().optional(),
          block: z.array(z.enum(STATEMENT_CLASSES)).max(MAX_LIST).optional(),
          allow: z
            .array(z.enum(BASELINE_BLOCKED_CLASSES, { error: (issue) => notBaseline(issue.input) }))
            .max(MAX_LIST)
            .optional(),
          requireApproval: z.array(z.enum(STATEMENT_CLASSES)).max(MAX_LIST).optional(),
          approvals: approvalsSchema.optional(),
          approvalTimeout: duration.optional(),
          unparseable: z.enum(['refuse', 'flag']).optional(),
        })
        .superRefine((sql, ctx) => {
          const held = (sql.requireApproval ?? []).length > 0;
          if (held && !sql.approvals) ctx.addIssue({ code: 'custom', path: ['approvals'], message: 'required when requireApproval lists classes' });
          if (!held && sql.approvals) ctx.addIssue({ code: 'custom', path: ['approvals'], message: 'only with requireApproval' });
          if (!held && sql.approvalTimeout !== undefined) ctx.addIssue({ code: 'custom', path: ['approvalTimeout'], message: 'only with requireApproval' });
          (sql.allow ?? []).forEach((c, i) => {
            if (sql.block?.includes(c)) ctx.addIssue({ code: 'custom', path: ['allow', i], message: `'${c}' is both allowed and blocked by this guardrail` });
          });
        })
        .optional(),
      http: httpSchema(duration).optional(),
      bigquery: bigquerySchema.optional(),
      mcp: mcpPolicySchema.optional(),
      gcp: gcpGuardrailSchema.optional(),
      masking: z
        .strictObject({
          columns: z.array(z.string().min(1).max(256)).max(MAX_LIST).optional(),
          detectors: z.array(z.enum(DETECTORS)).max(DETECTORS.length).optional(),
          jsonPaths: jsonPathsSchema.optional(),
        })
        .optional(),
    })
    .superRefine(checkHttpApprovals)
    .refine((g) => [g.sql, g.masking, g.http, g.bigquery, g.mcp, g.gcp].some((part) => part !== undefined), {
      error: 'a guardrail needs sql, masking, http, bigquery, mcp or gcp',
    });
}

/** sql.allow relaxes the built-in baseline and nothing else: say so, and what the baseline is. */
function notBaseline(value: unknown): string {
  const named = typeof value === 'string' ? `'${value.slice(0, 64)}'` : `a ${typeof value}`;
  const what = isStatementClass(value) ? 'is not a class of the built-in baseline' : 'is not a statement class, nor one of the built-in baseline';
  return `${named} ${what}: sql.allow only relaxes the baseline (${BASELINE_BLOCKED_CLASSES.join(', ')}); a class outside it runs unless sql.block names it`;
}

export interface CompiledGuardrail {
  readonly ref: RuleRef;
  readonly match: CompiledMatch;
  readonly spec: GuardrailSpec;
  readonly specificity: number;
}

export function compileGuardrail(policy: string, spec: GuardrailSpec): CompiledGuardrail {
  const match = compileMatch(spec.match);
  return { ref: { policy, rule: spec.name }, match, spec, specificity: specificity(match, false) };
}

/** Who is in the session, on what, under which grant scope. */
export interface GuardrailInput {
  identity: { id: string; subject: string; kind: IdentityKind; groups: string[]; attributes: Record<string, unknown> };
  connection: { name: string; type: ConnectionType; labels: Record<string, string> };
  scope: string | null;
}

export interface ResolvedGuardrails {
  /** The guardrails that applied, most specific first. */
  applied: RuleRef[];
  sql: {
    readOnly: boolean;
    /**
     * The effective block list: every class an applying guardrail blocks, and the built-in
     * baseline less the classes an applying guardrail allows.
     */
    block: StatementClassName[];
    /** Baseline classes some applying guardrail allows (for @jitgate/sql-guard's GuardrailRules.allow). */
    allow: BaselineClassName[];
    requireApproval: StatementClassName[];
    approvals: { count: number; groups: string[]; rule: RuleRef } | null;
    approvalTimeoutSeconds: number | null;
    unparseable: 'refuse' | 'flag';
  };
  /** Requests on http, bigquery, gcs, cloudrun and mcp connections (@jitgate/http-guard decides them). */
  http: HttpGuardrails;
  masking: { columns: string[]; detectors: DetectorName[]; jsonPaths: string[] };
  /** Whom the agent mints Google tokens for, when a guardrail says (null: the connection's account). */
  gcp: ResolvedGcp | null;
}

export function resolveGuardrailRules(guardrails: readonly CompiledGuardrail[], input: GuardrailInput): ResolvedGuardrails {
  const asEvaluation = {
    identity: input.identity,
    connection: input.connection,
    request: { durationSeconds: 0, reason: '', scope: input.scope, startAt: null },
    now: new Date(0),
    recentRequests: [],
  };
  const applying = guardrails.filter((g) => matches(g.match, asEvaluation)).sort((a, b) => b.specificity - a.specificity);
  const block = new Set<StatementClassName>();
  const allow = new Set<BaselineClassName>();
  const held = new Set<StatementClassName>();
  const columns = new Set<string>();
  const detectors = new Set<DetectorName>();
  const jsonPaths = new Set<string>();
  const http = new HttpResolution(input.scope === READ_ONLY_SCOPE);
  let readOnly = input.scope === READ_ONLY_SCOPE;
  let approvals: ResolvedGuardrails['sql']['approvals'] = null;
  let timeout: number | null = null;
  let saysRefuse = false;
  let saysFlag = false;
  for (const { spec, ref } of applying) {
    const sql = spec.sql;
    if (sql) {
      if (sql.readOnly) readOnly = true;
      for (const c of sql.block ?? []) block.add(c);
      // Checked when the document was parsed; checked again, as an unchecked one must not relax.
      for (const c of sql.allow ?? []) if (isBaselineClass(c)) allow.add(c);
      for (const c of sql.requireApproval ?? []) held.add(c);
      // The most specific rule that holds statements names the approvers (sorted above).
      if (sql.approvals && approvals === null) approvals = { count: sql.approvals.count, groups: [...sql.approvals.groups], rule: ref };
      if (sql.approvalTimeout !== undefined) {
        const seconds = parseDuration(sql.approvalTimeout);
        timeout = timeout === null ? seconds : Math.min(timeout, seconds);
      }
      if (sql.unparseable === 'refuse') saysRefuse = true;
      if (sql.unparseable === 'flag') saysFlag = true;
    }
    for (const c of spec.masking?.columns ?? []) columns.add(c);
    for (const d of spec.masking?.detectors ?? []) detectors.add(d);
    for (const p of spec.masking?.jsonPaths ?? []) jsonPaths.add(p);
    http.add(spec, ref);
  }
  return {
    applied: applying.map((g) => g.ref),
    sql: {
      readOnly,
      block: effectiveBlock(block, allow),
      allow: [...allow],
      requireApproval: [...held],
      approvals,
      approvalTimeoutSeconds: timeout,
      unparseable: saysFlag && !saysRefuse ? 'flag' : 'refuse',
    },
    http: http.result(),
    masking: { columns: [...columns], detectors: [...detectors], jsonPaths: [...jsonPaths] },
    gcp: resolveGcp(applying),
  };
}

/**
 * Explicit blocks ∪ (baseline − allowed). A postgres session that no guardrail speaks of still
 * gets the whole baseline. Also used for policies resolveGuardrails did not compile.
 */
export function effectiveBlock(explicit: ReadonlySet<StatementClassName>, allowed: ReadonlySet<BaselineClassName>): StatementClassName[] {
  const out = new Set(explicit);
  for (const c of BASELINE_BLOCKED_CLASSES) if (!allowed.has(c)) out.add(c);
  return [...out];
}
