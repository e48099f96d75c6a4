export {
  STATEMENT_CLASSES,
  READ_ONLY_CLASSES,
  BASELINE_BLOCKED_CLASSES,
  isStatementClass,
  isBaselineClass,
  type StatementClass,
  type BaselineClass,
} from './statement-class.js';
export { DANGEROUS_FUNCTIONS, DANGEROUS_FUNCTION_PREFIXES, SIDE_EFFECT_FUNCTIONS, isDangerousFunction } from './dangerous-functions.js';
export { isReadOnlyFunction, isReadOnlyOperator } from './read-only-functions.js';
export { READ_ONLY_FUNCTION_NAMES, READ_ONLY_OPERATOR_NAMES } from './read-only-functions.generated.js';
export { ANY_SETTING, ALL_SETTINGS } from './session-settings.js';
export type { StatementInfo, SqlAnalysis, GuardrailRules, GuardrailDecision } from './sql-analysis.types.js';
export { initSqlGuard, analyzeSql, clearSqlGuardCache, MAX_SQL_BYTES, CACHE_MAX_ENTRIES, CACHE_MAX_TOTAL_LENGTH } from './sql-analyzer.js';
export { evaluateGuardrails } from './guardrails.js';
export type { LineageItem, StatementLineage } from './column-lineage.js';
export type { InnerStatement, SessionObjects } from './session-objects.js';
