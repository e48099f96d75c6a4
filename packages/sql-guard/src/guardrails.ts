import type { GuardrailDecision, GuardrailRules, SqlAnalysis, StatementInfo } from './sql-analysis.types.js';
import { BASELINE_BLOCKED_CLASSES, type StatementClass } from './statement-class.js';

/**
 * Decides what to do with one client message, given its analysis. Pure. Every statement of
 * a multi-statement string is checked; any block (block list, the built-in baseline less what
 * `allow` names, read-only, unparseable) wins over approval; anything not recognised denies.
 * Pinned by guardrails.spec.ts and baseline.spec.ts.
 */
export function evaluateGuardrails(analysis: SqlAnalysis, rules: GuardrailRules): GuardrailDecision {
  if (analysis.ok !== true) {
    const error = analysis.ok === false ? analysis.error : 'analysis has no ok flag';
    if (rules.unparseable === 'flag') return { action: 'allow', flagged: `unparseable: ${error}` };
    return {
      action: 'block',
      statement: null,
      class: 'unparseable',
      reason: `the statement could not be parsed (${error}) and unparseable statements are refused`,
    };
  }
  const block = new Set(rules.block);
  // Safe by default: the baseline is blocked unless allowed by name, whoever built the rules.
  const allowed = new Set(Array.isArray(rules.allow) ? rules.allow : []);
  const baseline = new Set<StatementClass>(BASELINE_BLOCKED_CLASSES.filter((c) => !allowed.has(c)));
  const approval = new Set(rules.requireApproval);
  // Anything but an explicit `readOnly: false` enforces read-only.
  const readOnly = rules.readOnly !== false;

  for (const statement of analysis.statements) {
    const classes = statement.classes.length > 0 ? statement.classes : (['other'] as const);
    const blocked = classes.find((c) => block.has(c) || baseline.has(c));
    if (blocked !== undefined) {
      const why = baseline.has(blocked) ? `is blocked by the built-in baseline (a guardrail's sql.allow can allow it)` : 'is in the block list';
      return { action: 'block', statement, class: blocked, reason: `${statement.command} is blocked: class '${blocked}' ${why}` };
    }
    if (readOnly && statement.readOnly !== true) {
      const why = Array.isArray(statement.notReadOnly) && statement.notReadOnly.length > 0 ? statement.notReadOnly : classes;
      return {
        action: 'block',
        statement,
        class: 'not_read_only',
        reason: `${statement.command} is refused: this session is read-only and the statement is not (${why.join(', ')})`,
      };
    }
  }

  const statements: StatementInfo[] = [];
  const needed = new Set<StatementClass>();
  for (const statement of analysis.statements) {
    const hits = statement.classes.filter((c) => approval.has(c));
    if (hits.length === 0) continue;
    statements.push(statement);
    for (const c of hits) needed.add(c);
  }
  if (statements.length > 0) {
    const classes = [...needed];
    const commands = [...new Set(statements.map((s) => s.command))].join(', ');
    return {
      action: 'approve',
      statements,
      classes,
      reason: `${commands} requires approval: class${classes.length > 1 ? 'es' : ''} ${classes.map((c) => `'${c}'`).join(', ')} in the approval list`,
    };
  }
  return { action: 'allow' };
}
