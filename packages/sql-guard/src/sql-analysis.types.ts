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
  /**
   * True only when every statement kind in it is a read kind, every class is a read-only
   * class, and every function and operator it calls is on the read-only allow-lists
   * (read-only-functions.ts). `notReadOnly` says what failed.
   */
  readonly readOnly: boolean;
  /**
   * What makes the statement not read-only, for messages: `statement DELETE`, `class 'lock'`,
   * `function public.f`, `operator ###`. Empty exactly when `readOnly`.
   */
  readonly notReadOnly: readonly string[];
  /** Relations named anywhere in the statement, as written (schema-qualified when written so). */
  readonly tables: readonly string[];
  /** Every function called anywhere in the tree, lower-cased, schema-qualified when written so. */
  readonly functions: readonly string[];
  /**
   * Run-time settings this statement changes in the session, lower-cased: `SET`/`RESET` names
   * (`SET NAMES` → `client_encoding`, `SET TIME ZONE` → `timezone`, `SET SCHEMA` →
   * `search_path`), the `transaction_*` settings of `BEGIN`/`SET TRANSACTION` options and the
   * `default_transaction_*` ones of `SET SESSION CHARACTERISTICS`, `set_config('<name>', …)`;
   * `'*'` when the name is not a literal (`set_config(expr, …)`, `UPDATE pg_settings`), `'all'`
   * for `RESET ALL` and `DISCARD ALL`. Includes a function's `SET` clause in CREATE/ALTER
   * FUNCTION. session-settings.ts.
   */
  readonly settings: readonly string[];
  /**
   * The statement asks for a read-write transaction: `BEGIN`/`START TRANSACTION … READ WRITE`,
   * `SET TRANSACTION READ WRITE`, `SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE`, or
   * sets (transaction_|default_transaction_)read_only to anything but a literal true value.
   * Such a statement is not read-only (`notReadOnly` says `read-write transaction`).
   */
  readonly readWrite: boolean;
  /** Where each result column's values come from (column-lineage.ts): masking follows it. */
  readonly lineage: StatementLineage;
  /** Prepared statements and cursors it creates, runs or drops (session-objects.ts), if any. */
  readonly objects?: SessionObjects;
}

export type SqlAnalysis = { readonly ok: true; readonly statements: readonly StatementInfo[] } | { readonly ok: false; readonly error: string };

export interface GuardrailRules {
  readonly readOnly: boolean;
  readonly block: readonly StatementClass[];
  /**
   * Classes of the built-in baseline (BASELINE_BLOCKED_CLASSES) that the policy allows. The
   * rest of the baseline is blocked whatever `block` says; absent means none is allowed.
   * Classes in `block` stay blocked even when listed here.
   */
  readonly allow?: readonly StatementClass[];
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
