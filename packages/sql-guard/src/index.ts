export { STATEMENT_CLASSES, READ_ONLY_CLASSES, isStatementClass, type StatementClass } from './statement-class.js';
export { DANGEROUS_FUNCTIONS, DANGEROUS_FUNCTION_PREFIXES, SIDE_EFFECT_FUNCTIONS, isDangerousFunction } from './dangerous-functions.js';
export type { StatementInfo, SqlAnalysis, GuardrailRules, GuardrailDecision } from './sql-analysis.types.js';
export { initSqlGuard, analyzeSql, clearSqlGuardCache, MAX_SQL_BYTES, CACHE_MAX_ENTRIES, CACHE_MAX_TOTAL_LENGTH } from './sql-analyzer.js';
export { evaluateGuardrails } from './guardrails.js';
export type { LineageItem, StatementLineage } from './column-lineage.js';
export type { InnerStatement, SessionObjects } from './session-objects.js';
