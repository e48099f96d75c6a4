/**
 * The closed list of statement classes. The policy loader validates YAML against it
 * (`isStatementClass`), so adding a class is an API change: add it here, classify it in
 * `statement-classifier.ts`, document it in README.md and pin it in `sql-analyzer.spec.ts`.
 */
export const STATEMENT_CLASSES = [
  'read',
  'write',
  'insert',
  'update',
  'delete',
  'merge',
  'ddl',
  'drop',
  'truncate',
  'alter_owner',
  'grant',
  'role_admin',
  'alter_system',
  'delete_without_where',
  'update_without_where',
  'copy_to_program',
  'copy_from_program',
  'copy_file',
  'copy_in',
  'copy_out',
  'set_role',
  'do_block',
  'call',
  'dangerous_function',
  'side_effect_function',
  'transaction',
  'session',
  'prepare',
  'execute',
  'explain',
  'lock',
  'vacuum',
  'maintenance',
  'create_function',
  // Classes of the built-in baseline (BASELINE_BLOCKED_CLASSES below), besides the ones above.
  'file_function',
  'large_object',
  'server_config',
  'set_config',
  'extension',
  'language',
  'trigger',
  'rule',
  'load',
  'foreign_data',
  'replication',
  'remote_connection',
  'admin_function',
  'dynamic_sql',
  'tablespace',
  'database',
  'access_policy',
  'prepared_transaction',
  'other',
] as const;

export type StatementClass = (typeof STATEMENT_CLASSES)[number];

const CLASS_SET: ReadonlySet<string> = new Set(STATEMENT_CLASSES);

export function isStatementClass(value: unknown): value is StatementClass {
  return typeof value === 'string' && CLASS_SET.has(value);
}

/**
 * The built-in baseline: classes blocked in every session unless a guardrail allows them by
 * name (`sql.allow` in packages/policy). Each is a way out of the database or out of the
 * session's privileges — programs and files on the server, large objects, roles and grants,
 * server configuration, extensions and languages, code that runs later unseen (functions,
 * operators, casts, triggers, rules, DO), shared libraries, other servers, other sessions,
 * other databases, tablespaces, row-security policies, and transactions that outlive the
 * session. `dangerous_function` is not listed: every function it names carries one of the
 * finer classes here (pinned by baseline.spec.ts), so one of them can be allowed alone.
 * README.md "Baseline" says what each class holds.
 */
export const BASELINE_BLOCKED_CLASSES = [
  'copy_to_program',
  'copy_from_program',
  'copy_file',
  'file_function',
  'large_object',
  'role_admin',
  'grant',
  'set_role',
  'alter_owner',
  'alter_system',
  'server_config',
  'set_config',
  'extension',
  'language',
  'create_function',
  'trigger',
  'rule',
  'do_block',
  'load',
  'foreign_data',
  'replication',
  'remote_connection',
  'admin_function',
  'dynamic_sql',
  'tablespace',
  'database',
  'access_policy',
  'prepared_transaction',
] as const satisfies readonly StatementClass[];

export type BaselineClass = (typeof BASELINE_BLOCKED_CLASSES)[number];

const BASELINE_SET: ReadonlySet<string> = new Set(BASELINE_BLOCKED_CLASSES);

export function isBaselineClass(value: unknown): value is BaselineClass {
  return typeof value === 'string' && BASELINE_SET.has(value);
}

/**
 * A statement is read-only when every class it carries is in this set. Everything else —
 * including `other` (statement kinds the classifier does not know) — is not read-only, so
 * a new parser node fails closed. `prepare` is here because PREPARE only stores a plan;
 * the inner statement's own classes are merged into PREPARE's, so `PREPARE p AS DELETE …`
 * is still not read-only.
 */
export const READ_ONLY_CLASSES: ReadonlySet<StatementClass> = new Set<StatementClass>(['read', 'copy_out', 'transaction', 'session', 'prepare', 'explain']);
