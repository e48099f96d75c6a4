// Generates src/read-only-functions.generated.ts, the allow-lists behind `readOnly`, from a
// PostgreSQL server's own catalogue (pg_proc, pg_operator in pg_catalog):
//   - functions: names all of whose pg_catalog overloads are immutable or stable (they cannot
//     write: PostgreSQL refuses writes inside them), minus EXCLUDED below (they run SQL given
//     as a string, read server files, load code or assign a transaction id), plus
//     REVIEWED_VOLATILE (volatile only because they read a clock, randomness or changing state);
//   - operators: names all of whose pg_catalog variants run a function of that list.
// Usage (psql on the PATH):
//   node scripts/generate-read-only-functions.mjs            write the file
//   node scripts/generate-read-only-functions.mjs --print    print it (read-only-functions.spec.ts compares)
//   … --db postgresql://user@host:port/dbname                another server (default: the local one, template1)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../src/read-only-functions.generated.ts', import.meta.url));
const DEFAULT_DB = 'postgresql://postgres@127.0.0.1:5432/template1';

/** Immutable or stable, and still not allowed, with the reason. */
const EXCLUDED = [
  [/_to_xml/, 'query_to_xml & co run SQL given as a string; table/schema/database_to_xml read whole tables unseen'],
  [/^ts_stat$|^ts_rewrite$/, 'run the SELECT given as a string'],
  [/^pg_read_(binary_)?file/, 'read server files'],
  [/^pg_ls_/, 'list server directories'],
  [/^pg_stat_file$|^pg_current_logfile$|^pg_hba_file_rules$|^pg_ident_file_mappings$|^pg_show_all_file_settings$/, 'read server files'],
  [/^pg_control_/, 'read the server’s control file'],
  [/^lo_|^loread$|^lowrite$/, 'large objects (the large_object class)'],
  [/^pg_replication_origin_/, 'replication origins (the replication class)'],
  [/_validator$/, 'validators: fmgr_c_validator loads the shared library of a C function'],
  [/^set_config$/, 'changes settings'],
  [/^txid_current$|^pg_current_xact_id$/, 'assign a transaction id'],
];

/** Volatile, yet they change nothing: a clock, randomness, a pause, or reading changing state. */
const REVIEWED_VOLATILE = [
  'clock_timestamp',
  'timeofday',
  'random',
  'gen_random_uuid',
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  // the session's sequence state, read
  'currval',
  'lastval',
  // sizes and server state, read
  'pg_database_size',
  'pg_tablespace_size',
  'pg_relation_size',
  'pg_table_size',
  'pg_indexes_size',
  'pg_total_relation_size',
  'pg_partition_tree',
  'pg_partition_ancestors',
  'pg_is_in_recovery',
  'pg_current_wal_lsn',
  'pg_current_wal_insert_lsn',
  'pg_current_wal_flush_lsn',
  'pg_last_wal_receive_lsn',
  'pg_last_wal_replay_lsn',
  'pg_last_xact_replay_timestamp',
  'pg_is_wal_replay_paused',
  'pg_blocking_pids',
  'pg_lock_status',
  'pg_xact_status',
  'txid_status',
  'pg_jit_available',
  'pg_notification_queue_usage',
];

/** Return types of functions SQL cannot call: they need not be listed. */
const UNCALLABLE_RETURNS = ['trigger', 'event_trigger', 'language_handler', 'fdw_handler', 'index_am_handler', 'table_am_handler', 'tsm_handler', 'internal'];

const FUNCTIONS_SQL = `
select p.proname,
       bool_and(p.provolatile in ('i', 's') and p.prokind in ('f', 'a', 'w')) as safe,
       bool_or(p.prorettype::regtype::text not in (${UNCALLABLE_RETURNS.map((t) => `'${t}'`).join(', ')})
               and not ('internal'::regtype = any (p.proargtypes))) as callable
from pg_proc p
where p.pronamespace = 'pg_catalog'::regnamespace
group by p.proname`;

const OPERATORS_SQL = `
select o.oprname, p.proname
from pg_operator o join pg_proc p on p.oid = o.oprcode
where o.oprnamespace = 'pg_catalog'::regnamespace`;

function psql(db, sql) {
  const out = execFileSync('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

function byCodeUnit(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function generate(db) {
  const major = psql(db, "select current_setting('server_version_num')::int / 10000")[0][0];
  const rows = psql(db, FUNCTIONS_SQL);
  const present = new Set(rows.map(([name]) => name));
  const excluded = (name) => EXCLUDED.some(([pattern]) => pattern.test(name));
  const functions = new Set(rows.filter(([name, safe, callable]) => safe === 't' && callable === 't' && !excluded(name)).map(([name]) => name));
  for (const name of REVIEWED_VOLATILE) if (present.has(name) && !excluded(name)) functions.add(name);

  const operatorFunctions = new Map();
  for (const [op, fn] of psql(db, OPERATORS_SQL)) operatorFunctions.set(op, [...(operatorFunctions.get(op) ?? []), fn]);
  const operators = [...operatorFunctions].filter(([, fns]) => fns.every((fn) => functions.has(fn))).map(([op]) => op);

  const list = (names) => [...names].sort(byCodeUnit).map((n) => `  '${n.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}',`).join('\n');
  return `// Generated by scripts/generate-read-only-functions.mjs from the pg_catalog of PostgreSQL ${major}:
// do not edit. read-only-functions.spec.ts fails when this differs from what the script prints
// against the local server; run \`node scripts/generate-read-only-functions.mjs\` to refresh it.

/**
 * Built-in functions known not to write: every pg_catalog overload immutable or stable, less
 * those that run SQL from a string, read server files, load code or assign a transaction id,
 * plus a reviewed few volatile ones (clocks, randomness, pg_sleep, sizes). The script says why.
 */
export const READ_ONLY_FUNCTION_NAMES: readonly string[] = [
${list(functions)}
];

/** Built-in operators whose every pg_catalog variant runs a function of the list above. */
export const READ_ONLY_OPERATOR_NAMES: readonly string[] = [
${list(operators)}
];
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--db');
  const text = generate(at >= 0 ? args[at + 1] : DEFAULT_DB);
  if (args.includes('--print')) process.stdout.write(text);
  else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
