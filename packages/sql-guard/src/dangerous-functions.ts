/**
 * Built-in functions that reach outside the database (server files, programs, other
 * servers), act on other sessions or the server, or run SQL hidden in a string argument.
 * Matched on the last component of the called name, whatever schema is written, so a
 * look-alike `public.pg_read_file(…)` is flagged as well (fail closed).
 * Pinned by the `dangerous_function` rows in sql-analyzer.spec.ts.
 */
export const DANGEROUS_FUNCTIONS: ReadonlySet<string> = new Set([
  // server files
  'pg_read_file',
  'pg_read_binary_file',
  'pg_stat_file',
  'pg_ls_dir',
  'pg_ls_logdir',
  'pg_ls_waldir',
  'pg_ls_tmpdir',
  'pg_ls_archive_statusdir',
  'pg_ls_logicalsnapdir',
  'pg_ls_logicalmapdir',
  'pg_ls_replslotdir',
  'pg_ls_summariesdir',
  // adminpack (removed in PG 17, still installed on older servers)
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'pg_file_sync',
  'pg_logdir_ls',
  // server-side large-object import/export read and write server files
  'lo_import',
  'lo_export',
  // other sessions and the server itself
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_log_backend_memory_contexts',
  // settings, including role and session_authorization (see set_role in the classifier)
  'set_config',
  // SQL hidden in a string argument
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
]);

/** Every dblink function (dblink, dblink_exec, dblink_connect_u, …) opens a connection. */
export const DANGEROUS_FUNCTION_PREFIXES: readonly string[] = ['dblink'];

/**
 * Built-ins that change data or server state from inside a SELECT, without touching files
 * or other servers. They make a statement not read-only but are not `dangerous_function`.
 */
export const SIDE_EFFECT_FUNCTIONS: ReadonlySet<string> = new Set([
  'nextval',
  'setval',
  'lo_create',
  'lo_creat',
  'lo_from_bytea',
  'lo_put',
  'lo_unlink',
  'lowrite',
  'lo_truncate',
  'lo_truncate64',
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_advisory_xact_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_try_advisory_xact_lock',
  'pg_try_advisory_xact_lock_shared',
  'pg_notify',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot',
  'pg_logical_emit_message',
  'pg_stat_reset',
  'pg_stat_reset_shared',
  'pg_stat_reset_single_table_counters',
  'pg_stat_reset_single_function_counters',
  'pg_stat_reset_slru',
  'pg_stat_reset_replication_slot',
  'pg_stat_reset_subscription_stats',
  'pg_import_system_collations',
]);

/** `name` is the lower-cased last component of the called function's name. */
export function isDangerousFunction(name: string): boolean {
  return DANGEROUS_FUNCTIONS.has(name) || DANGEROUS_FUNCTION_PREFIXES.some((p) => name.startsWith(p));
}
