/** @jitgate/http-guard: pure policy for HTTP-carried connections. See README.md. */
export {
  BIGQUERY_CLASSES,
  HTTP_METHODS,
  READ_ONLY_BIGQUERY_CLASSES,
  SAFE_METHODS,
  type BigQueryClass,
  type DatasetLists,
  type HttpDecision,
  type HttpGuardrails,
  type HttpMethod,
  type HttpPathRule,
  type HttpRequestFacts,
  type RequestSummary,
  type RuleRef,
} from './types.js';
export { decideHttpRequest, needsBody, MAX_SUMMARY_SQL } from './decide.js';
export { routeRequest, type Route, type RouteResult, type BodyKind } from './confine.js';
export { parseTarget, MAX_TARGET_LENGTH, type ParsedTarget, type TargetResult } from './target.js';
export { checkDatasetGlob, checkPathGlob, matchDatasetGlob, matchPathGlob, MAX_GLOB_LENGTH } from './globs.js';
export { tokenizeSql, MAX_SQL_LENGTH, type Token, type TokenKind, type TokenizeResult } from './sql-tokenizer.js';
export { splitStatements, type StatementRange, type StatementSplit } from './sql-statements.js';
export { analyzeBigQuerySql, type QualifyContext, type SqlAnalysis } from './sql-analysis.js';
export { analyzeBigQueryBody, type BigQueryBodyAnalysis } from './bigquery-request.js';
export { decideMcpAcross, filterListsAcross, type FilteredAcross, type McpAcrossDecision, type McpAcrossMessageDecision, type McpPolicyRef } from './mcp-across.js';
export { maskBigQueryRows, type BigQueryField, type BigQueryMaskResult } from './bigquery-mask.js';
