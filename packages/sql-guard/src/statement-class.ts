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
  'other',
] as const;

export type StatementClass = (typeof STATEMENT_CLASSES)[number];

const CLASS_SET: ReadonlySet<string> = new Set(STATEMENT_CLASSES);

export function isStatementClass(value: unknown): value is StatementClass {
  return typeof value === 'string' && CLASS_SET.has(value);
}

/**
 * A statement is read-only when every class it carries is in this set. Everything else —
 * including `other` (statement kinds the classifier does not know) — is not read-only, so
 * a new parser node fails closed. `prepare` is here because PREPARE only stores a plan;
 * the inner statement's own classes are merged into PREPARE's, so `PREPARE p AS DELETE …`
 * is still not read-only.
 */
export const READ_ONLY_CLASSES: ReadonlySet<StatementClass> = new Set<StatementClass>([
  'read',
  'copy_out',
  'transaction',
  'session',
  'prepare',
  'explain',
]);
