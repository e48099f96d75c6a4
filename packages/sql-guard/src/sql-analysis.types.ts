import type { StatementLineage } from './column-lineage.js';
import type { SessionObjects } from './session-objects.js';
import type { StatementClass } from './statement-class.js';

export interface StatementInfo {
  /** This statement's slice of the source text (stmt_location/stmt_len), trimmed. */
  readonly text: string;
  /** Upper-case command tag, e.g. 'SELECT', 'DROP TABLE', 'EXPLAIN ANALYZE'. */
  readonly command: string;
  /** Never empty; ordered as in STATEMENT_CLASSES. */
  readonly classes: readonly StatementClass[];
  readonly readOnly: boolean;
  /** Relations named anywhere in the statement, as written (schema-qualified when written so). */
  readonly tables: readonly string[];
  /** Every function called anywhere in the tree, lower-cased, schema-qualified when written so. */
  readonly functions: readonly string[];
  /** Where each result column's values come from (column-lineage.ts): masking follows it. */
  readonly lineage: StatementLineage;
  /** Prepared statements and cursors it creates, runs or drops (session-objects.ts), if any. */
  readonly objects?: SessionObjects;
}

export type SqlAnalysis =
  | { readonly ok: true; readonly statements: readonly StatementInfo[] }
  | { readonly ok: false; readonly error: string };

export interface GuardrailRules {
  readonly readOnly: boolean;
  readonly block: readonly StatementClass[];
  readonly requireApproval: readonly StatementClass[];
  readonly unparseable: 'refuse' | 'flag';
}

export type GuardrailDecision =
  | { readonly action: 'allow'; readonly flagged?: string }
  | {
      readonly action: 'block';
      readonly statement: StatementInfo | null;
      readonly class: StatementClass | 'not_read_only' | 'unparseable';
      readonly reason: string;
    }
  | {
      readonly action: 'approve';
      readonly statements: readonly StatementInfo[];
      readonly classes: readonly StatementClass[];
      readonly reason: string;
    };
