/**
 * The decision for one HTTP request on an http, bigquery, gcs, cloudrun or mcp connection
 * (docs/http.md "Guardrails"). Order, first answer wins: confinement → read-only → blocks (path
 * rules, BigQuery classes, dataset lists, unparseable) → holds (path rules, BigQuery classes) →
 * forward. Pure: no I/O, no clock; nothing thrown on any input (pinned by decide.property.spec.ts).
 */
import { analyzeBigQueryBody, type BigQueryBodyAnalysis } from './bigquery-request.js';
import { routeRequest, type Route } from './confine.js';
import { echo } from './echo.js';
import { matchDatasetGlob, matchPathGlob } from './globs.js';
import { READ_ONLY_BIGQUERY_CLASSES, SAFE_METHODS, type HttpDecision, type HttpGuardrails, type HttpRequestFacts, type RequestSummary, type RuleRef } from './types.js';

/** Longest SQL kept in a summary (for the session record). */
export const MAX_SUMMARY_SQL = 16 * 1024;

/** Whether `decideHttpRequest` needs the JSON body of this request (jobs.query, jobs.insert). */
export function needsBody(facts: HttpRequestFacts): boolean {
  try {
    const r = routeRequest(facts.connectionType, settingsOf(facts), facts.method, facts.target);
    return r.ok && r.route.body !== 'none';
  } catch {
    return false;
  }
}

export function decideHttpRequest(facts: HttpRequestFacts, http: HttpGuardrails, body?: unknown): HttpDecision {
  try {
    return decide(facts, http, body);
  } catch {
    // Unreachable with well-typed input; a value from outside the types is refused.
    return { action: 'block', reason: 'the request could not be checked', summary: { operation: 'refused', path: '' } };
  }
}

function settingsOf(facts: HttpRequestFacts): Record<string, unknown> {
  const s: unknown = facts.settings;
  return typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
}

function decide(facts: HttpRequestFacts, http: HttpGuardrails, body: unknown): HttpDecision {
  const rawTarget = typeof facts.target === 'string' ? facts.target : '';
  const q = rawTarget.indexOf('?');
  const path = echo(q === -1 ? rawTarget : rawTarget.slice(0, q));
  const routed = routeRequest(facts.connectionType, settingsOf(facts), facts.method, rawTarget);
  if (!routed.ok) return { action: 'block', reason: `${routed.reason}.`, summary: { operation: 'refused', path } };
  const { route, target } = routed;
  const method = facts.method;
  const summary: RequestSummary = { operation: route.operation, path };
  if (route.bucket !== undefined) summary.bucket = route.bucket;
  if (route.object !== undefined) summary.object = route.object;
  const block = (reason: string, rule?: RuleRef): HttpDecision => (rule === undefined ? { action: 'block', reason, summary } : { action: 'block', reason, rule, summary });

  const isBigQuery = facts.connectionType === 'bigquery';
  const bq = isBigQuery ? bigQueryFacts(route, body, settingsOf(facts)['projectId'] as string) : null;
  if (bq !== null) {
    if (bq.sql !== undefined) summary.sql = bq.sql.length <= MAX_SUMMARY_SQL ? bq.sql : `${bq.sql.slice(0, MAX_SUMMARY_SQL)}…`;
    if (bq.classes.length > 0) summary.classes = [...bq.classes];
    if (bq.reads.length + bq.writes.length > 0) summary.tables = { read: [...bq.reads], written: [...bq.writes] };
  }
  const rules = bq === null ? false : http.readOnly || http.bigquery.block.length + http.bigquery.requireApproval.length + http.bigquery.datasets.length > 0;
  // What cannot be analysed: refused (or flagged) only where a BigQuery rule needs the answer.
  let unparseable: string | null = null;
  if (bq !== null && rules) {
    if (bq.unknown.length > 0) unparseable = bq.unknown[0]!;
    else if (http.bigquery.datasets.length > 0 && bq.unresolved.length > 0) unparseable = bq.unresolved[0]!;
  }
  const refuseUnparseable = unparseable !== null && http.bigquery.unparseable !== 'flag';
  if (unparseable !== null && !refuseUnparseable) summary.flagged = echo(unparseable);

  // Read-only. MCP speaks JSON-RPC over POST: its read-only rule applies per message (mcp-across.ts).
  if (http.readOnly) {
    if (bq !== null) {
      const writing = bq.classes.find((c) => c !== 'unknown' && !READ_ONLY_BIGQUERY_CLASSES.includes(c));
      if (writing !== undefined) return block(`The session is read-only: this request is a BigQuery ${writing}.`);
      if (bq.writes.length > 0) return block(`The session is read-only: this request writes table ${echo(bq.writes[0]!)}.`);
    } else if (facts.connectionType !== 'mcp' && !SAFE_METHODS.includes(method)) {
      return block(`The session is read-only: ${echo(method, 20)} requests are refused.`);
    }
  }

  const matching = http.rules.filter((r) => (r.methods === null || r.methods.includes(method)) && r.paths.some((p) => matchPathGlob(p, target.segments)));
  const blocking = matching.find((r) => r.action === 'block');
  if (blocking !== undefined) return block(`${echo(method, 20)} ${path} is blocked by guardrail ${ruleName(blocking.rule)}.`, blocking.rule);

  if (bq !== null) {
    const blockedClass = bq.classes.find((c) => http.bigquery.block.includes(c));
    if (blockedClass !== undefined) return block(`BigQuery ${blockedClass} statements are blocked by the session's guardrails.`);
    for (const lists of http.bigquery.datasets) {
      const project = settingsOf(facts)['projectId'] as string;
      const allowedRead = lists.read === null ? null : [...lists.read, ...(lists.write ?? [])];
      const badRead = allowedRead === null ? undefined : bq.reads.find((t) => !allowedRead.some((g) => matchDatasetGlob(g, t, project)));
      if (badRead !== undefined) return block(`Table ${echo(badRead)} is not in the datasets guardrail ${ruleName(lists.rule)} lets this session read.`, lists.rule);
      const badWrite = lists.write === null ? undefined : bq.writes.find((t) => !lists.write!.some((g) => matchDatasetGlob(g, t, project)));
      if (badWrite !== undefined) return block(`Table ${echo(badWrite)} is not in the datasets guardrail ${ruleName(lists.rule)} lets this session write.`, lists.rule);
    }
    if (refuseUnparseable) return block(`The request cannot be fully analysed (${echo(unparseable!)}), and such requests are refused.`);
  }

  const approving = matching.find((r) => r.action === 'approve');
  const heldClass = bq?.classes.find((c) => http.bigquery.requireApproval.includes(c));
  if (approving !== undefined || heldClass !== undefined) {
    const what = approving !== undefined ? `${echo(method, 20)} ${path} needs` : `BigQuery ${heldClass} statements need`;
    const rule = approving?.rule ?? http.approvals?.rule;
    if (http.approvals === null || rule === undefined) return block(`${what} approval, and no approvers are configured.`);
    // An approver approves what they read: SQL too long to show whole is not put before them.
    if (bq?.sql !== undefined && bq.sql.length > MAX_SUMMARY_SQL) return block(`${what} approval, and this SQL is longer than the ${MAX_SUMMARY_SQL} characters shown whole to approvers.`);
    const why = approving !== undefined ? `guardrail ${ruleName(rule)}` : "the session's guardrails";
    return { action: 'hold', reason: `${what} approval (${why}).`, rule, summary };
  }
  return { action: 'forward', summary };
}

function bigQueryFacts(route: Route, body: unknown, projectId: string): BigQueryBodyAnalysis {
  const fromBody = route.body === 'none' ? null : analyzeBigQueryBody(route.body, body, projectId);
  const classes = [...route.classes];
  for (const c of fromBody?.classes ?? []) if (!classes.includes(c)) classes.push(c);
  const out: BigQueryBodyAnalysis = {
    classes,
    reads: [...new Set([...route.reads, ...(fromBody?.reads ?? [])])],
    writes: [...new Set([...route.writes, ...(fromBody?.writes ?? [])])],
    unknown: fromBody?.unknown ?? [],
    unresolved: fromBody?.unresolved ?? [],
    legacySql: fromBody?.legacySql ?? false,
    dryRun: fromBody?.dryRun ?? false,
  };
  if (fromBody?.sql !== undefined) out.sql = fromBody.sql;
  return out;
}

function ruleName(rule: RuleRef): string {
  return `"${rule.policy}/${rule.rule}"`;
}
