// The session's statement rules, bound once at login from the resolved guardrails
// (packages/policy guardrails.ts) and applied to every Query and Parse (docs/postgres.md,
// "Guardrails"). The parser and the decision are packages/sql-guard; this adds what only a
// Postgres session knows: COPY … TO STDOUT cannot be masked column by column.
import type { ResolvedGuardrails } from '@jitgate/policy';
import { analyzeSql, evaluateGuardrails, type GuardrailRules, type SqlAnalysis, type StatementInfo } from '@jitgate/sql-guard';

export type StatementVerdict =
  | { action: 'allow'; statements: readonly StatementInfo[]; flagged: string | undefined }
  | { action: 'block'; reason: string; rule: string; statement: string }
  | { action: 'approve'; reason: string; classes: string[] };

export class StatementGuard {
  private readonly rules: GuardrailRules;

  constructor(
    private readonly guardrails: ResolvedGuardrails,
    private readonly columnsMasked: boolean,
  ) {
    this.rules = {
      readOnly: guardrails.sql.readOnly,
      block: guardrails.sql.block,
      requireApproval: guardrails.sql.requireApproval,
      unparseable: guardrails.sql.unparseable,
    };
  }

  check(sql: string): StatementVerdict {
    const analysis: SqlAnalysis = analyzeSql(sql);
    if (this.columnsMasked && analysis.ok) {
      const copyOut = analysis.statements.find((s) => s.classes.includes('copy_out'));
      if (copyOut) {
        return {
          action: 'block',
          rule: 'masking',
          statement: copyOut.text,
          reason: 'COPY … TO STDOUT is refused on this connection: its columns are masked, and COPY output has no column names to mask by',
        };
      }
    }
    const decision = evaluateGuardrails(analysis, this.rules);
    switch (decision.action) {
      case 'allow':
        return { action: 'allow', statements: analysis.ok ? analysis.statements : [], flagged: decision.flagged };
      case 'block':
        return { action: 'block', reason: decision.reason, rule: decision.class, statement: decision.statement?.text ?? sql };
      case 'approve':
        // Nobody named to decide: nothing can approve it, so it is refused (fail closed).
        if (!this.guardrails.sql.approvals) return { action: 'block', reason: `${decision.reason}, and no approvers are configured`, rule: 'approval', statement: sql };
        return { action: 'approve', reason: decision.reason, classes: [...decision.classes] };
      default:
        return { action: 'block', reason: 'the statement could not be checked', rule: 'internal', statement: sql };
    }
  }
}
