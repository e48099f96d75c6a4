import type { StatementClass } from './statement-class.js';

/**
 * Built-in functions that belong to a class of the built-in baseline (statement-class.ts),
 * matched like DANGEROUS_FUNCTIONS: on the lower-cased last component of the called name,
 * whatever schema is written (a look-alike `public.lo_get` counts too: fail closed). Every
 * function of DANGEROUS_FUNCTIONS is here as well, so that one of these finer classes can be
 * allowed without allowing them all (pinned by baseline.spec.ts).
 */
const BY_NAME: ReadonlyMap<string, readonly StatementClass[]> = new Map<string, readonly StatementClass[]>(
  Object.entries({
    // server files: read, written, listed
    pg_read_file: ['file_function'],
    pg_read_binary_file: ['file_function'],
    pg_read_file_old: ['file_function'],
    pg_stat_file: ['file_function'],
    pg_current_logfile: ['file_function'],
    pg_hba_file_rules: ['file_function'],
    pg_ident_file_mappings: ['file_function'],
    pg_show_all_file_settings: ['file_function'],
    pg_file_write: ['file_function'],
    pg_file_rename: ['file_function'],
    pg_file_unlink: ['file_function'],
    pg_file_sync: ['file_function'],
    pg_logdir_ls: ['file_function'],
    // server-side large-object import/export: a server file and a large object
    lo_import: ['file_function', 'large_object'],
    lo_export: ['file_function', 'large_object'],
    loread: ['large_object'],
    lowrite: ['large_object'],
    // the server's configuration, and the session's
    pg_reload_conf: ['server_config'],
    set_config: ['set_config'],
    // other sessions and the server itself
    pg_terminate_backend: ['admin_function'],
    pg_cancel_backend: ['admin_function'],
    pg_rotate_logfile: ['admin_function'],
    pg_rotate_logfile_old: ['admin_function'],
    pg_promote: ['admin_function'],
    pg_log_backend_memory_contexts: ['admin_function'],
    pg_switch_wal: ['admin_function'],
    pg_create_restore_point: ['admin_function'],
    pg_backup_start: ['admin_function'],
    pg_backup_stop: ['admin_function'],
    pg_start_backup: ['admin_function'],
    pg_stop_backup: ['admin_function'],
    pg_wal_replay_pause: ['admin_function'],
    pg_wal_replay_resume: ['admin_function'],
    pg_import_system_collations: ['admin_function'],
    pg_nextoid: ['admin_function'],
    pg_stop_making_pinned_objects: ['admin_function'],
    pg_extension_config_dump: ['extension'],
    // replication slots and logical decoding (which reads every change of the database)
    pg_create_physical_replication_slot: ['replication'],
    pg_create_logical_replication_slot: ['replication'],
    pg_drop_replication_slot: ['replication'],
    pg_copy_physical_replication_slot: ['replication'],
    pg_copy_logical_replication_slot: ['replication'],
    pg_replication_slot_advance: ['replication'],
    pg_logical_slot_get_changes: ['replication'],
    pg_logical_slot_peek_changes: ['replication'],
    pg_logical_slot_get_binary_changes: ['replication'],
    pg_logical_slot_peek_binary_changes: ['replication'],
    pg_logical_emit_message: ['replication'],
    // SQL given as a string
    query_to_xml: ['dynamic_sql'],
    query_to_xmlschema: ['dynamic_sql'],
    query_to_xml_and_xmlschema: ['dynamic_sql'],
    ts_stat: ['dynamic_sql'],
    // ts_rewrite(query, 'SELECT …') runs its second argument; the three-argument form does not,
    // but both share the name: fail closed.
    ts_rewrite: ['dynamic_sql'],
  } satisfies Record<string, StatementClass[]>),
);

/** Whole families, by prefix of the name. */
const BY_PREFIX: ReadonlyArray<readonly [prefix: string, classes: readonly StatementClass[]]> = [
  ['pg_ls_', ['file_function']],
  ['lo_', ['large_object']],
  ['dblink', ['remote_connection']],
  ['pg_stat_reset', ['admin_function']],
  ['binary_upgrade_', ['admin_function']],
  ['pg_replication_origin_', ['replication']],
];

const NONE: readonly StatementClass[] = [];

/** Baseline classes of a call of `name` (the lower-cased last component of the called name). */
export function functionClasses(name: string): readonly StatementClass[] {
  let classes = BY_NAME.get(name) ?? NONE;
  for (const [prefix, more] of BY_PREFIX) {
    if (name.startsWith(prefix)) classes = [...new Set([...classes, ...more])];
  }
  return classes;
}
