// Statements of the built-in baseline's classes with their exact classification: checked by
// statement-classifier.spec.ts like the main table, varied in their numbers by
// numeric-shape.spec.ts, and (baseline.spec.ts) blocked by default.
import type { Row } from './statement-cases.fixture.js';

export const BASELINE_STATEMENTS: Row[] = [
  // server files, by function
  ["select pg_read_file('/etc/passwd')", 'SELECT', ['read', 'dangerous_function', 'file_function'], false],
  ["select * from pg_ls_dir('/')", 'SELECT', ['read', 'dangerous_function', 'file_function'], false],
  ['select pg_ls_summariesdir()', 'SELECT', ['read', 'dangerous_function', 'file_function'], false],
  ['select pg_current_logfile()', 'SELECT', ['read', 'file_function'], false],
  ['select * from pg_hba_file_rules()', 'SELECT', ['read', 'file_function'], false],
  ["select lo_import('/etc/passwd')", 'SELECT', ['read', 'dangerous_function', 'file_function', 'large_object'], false],
  ["select lo_export(16384, '/tmp/x')", 'SELECT', ['read', 'dangerous_function', 'file_function', 'large_object'], false],
  // large objects
  ['select lo_get(16384)', 'SELECT', ['read', 'large_object'], false],
  ["select lo_from_bytea(0, 'x')", 'SELECT', ['read', 'side_effect_function', 'large_object'], false],
  ['select loread(lo_open(16384, 262144), 10)', 'SELECT', ['read', 'large_object'], false],
  ['grant select on large object 16384 to u', 'GRANT', ['grant', 'large_object'], false],
  ['alter large object 16384 owner to u', 'ALTER LARGE OBJECT OWNER', ['ddl', 'alter_owner', 'large_object'], false],
  // roles
  ['create schema s authorization bob', 'CREATE SCHEMA', ['ddl', 'alter_owner'], false],
  // server configuration
  ["alter database d set log_statement = 'none'", 'ALTER DATABASE SET', ['ddl', 'server_config'], false],
  ['alter role r set search_path = x', 'ALTER ROLE', ['ddl', 'role_admin', 'server_config'], false],
  ['alter user u reset all', 'ALTER ROLE', ['ddl', 'role_admin', 'server_config'], false],
  ['select pg_reload_conf()', 'SELECT', ['read', 'dangerous_function', 'server_config'], false],
  ["select set_config('work_mem', '1GB', false)", 'SELECT', ['read', 'dangerous_function', 'set_config'], false],
  // settings only a superuser may change (pg_settings.context = 'superuser'): triggers off, logs and statistics quiet, …
  ['set session_replication_role = replica', 'SET', ['session', 'server_config'], false],
  ['set local log_statement = none', 'SET', ['session', 'server_config'], false],
  ['reset track_activities', 'RESET', ['session', 'server_config'], false],
  ['set lo_compat_privileges = on', 'SET', ['session', 'server_config'], false],
  // extensions
  ['alter extension e update', 'ALTER EXTENSION', ['ddl', 'extension'], false],
  ['alter extension e add function f()', 'ALTER EXTENSION', ['ddl', 'extension'], false],
  ['alter function f() depends on extension e', 'ALTER FUNCTION DEPENDS ON EXTENSION', ['ddl', 'extension'], false],
  // languages
  ['create language plpython3u handler plpython3_call_handler', 'CREATE LANGUAGE', ['ddl', 'language'], false],
  // without HANDLER, the grammar reads CREATE LANGUAGE as CREATE EXTENSION
  ['create language plpython3u', 'CREATE EXTENSION', ['ddl', 'extension'], false],
  ['drop language plpython3u', 'DROP LANGUAGE', ['ddl', 'drop', 'language'], false],
  ["create function f() returns int language plpython3u as 'return 1'", 'CREATE FUNCTION', ['ddl', 'create_function', 'language'], false],
  ["create function f() returns int language c as 'lib', 'sym'", 'CREATE FUNCTION', ['ddl', 'create_function', 'language'], false],
  ["do language plperlu 'system(q(id))'", 'DO', ['do_block', 'language'], false],
  ['create transform for int language plpython3u (from sql with function f(internal))', 'CREATE TRANSFORM', ['ddl', 'language'], false],
  // code that runs later
  ['create function f() returns int return 1', 'CREATE FUNCTION', ['ddl', 'create_function'], false],
  ['create operator === (leftarg = int, rightarg = int, function = f)', 'CREATE OPERATOR', ['ddl', 'create_function'], false],
  ['create cast (int as text) with function f(int)', 'CREATE CAST', ['ddl', 'create_function'], false],
  ["create conversion c for 'UTF8' to 'LATIN1' from f", 'CREATE CONVERSION', ['ddl', 'create_function'], false],
  ['create access method am type table handler h', 'CREATE ACCESS METHOD', ['ddl', 'create_function'], false],
  ['create operator class c for type int using btree as operator 1 <', 'CREATE OPERATOR CLASS', ['ddl', 'create_function'], false],
  ['alter operator === (int, int) set (restrict = r)', 'ALTER OPERATOR', ['ddl', 'create_function'], false],
  ['create type t (input = i, output = o)', 'CREATE TYPE', ['ddl', 'create_function'], false],
  ['alter type t set (receive = r)', 'ALTER TYPE', ['ddl', 'create_function'], false],
  ['create text search parser p (start = s, gettoken = g, end = e, lextypes = l)', 'CREATE TEXT SEARCH PARSER', ['ddl', 'create_function'], false],
  ['alter function f() security definer', 'ALTER FUNCTION', ['ddl', 'create_function'], false],
  ['alter routine f() rename to lower', 'ALTER ROUTINE RENAME', ['ddl', 'create_function'], false],
  ['alter function f() set schema pg_catalog', 'ALTER FUNCTION SET SCHEMA', ['ddl', 'create_function'], false],
  // triggers and rules
  ['create event trigger e on ddl_command_start execute function f()', 'CREATE EVENT TRIGGER', ['ddl', 'trigger'], false],
  ['alter trigger tr on t rename to tr2', 'ALTER TRIGGER RENAME', ['ddl', 'trigger'], false],
  ['alter table t disable trigger all', 'ALTER TABLE', ['ddl', 'trigger'], false],
  ['create rule r as on insert to t do also delete from u', 'CREATE RULE', ['write', 'delete', 'ddl', 'delete_without_where', 'rule'], false],
  ['alter table t disable rule r', 'ALTER TABLE', ['ddl', 'rule'], false],
  ['drop rule r on t', 'DROP RULE', ['ddl', 'drop', 'rule'], false],
  // shared libraries
  ["load '/tmp/evil.so'", 'LOAD', ['load'], false],
  // other servers
  ['create foreign data wrapper w handler h', 'CREATE FOREIGN DATA WRAPPER', ['ddl', 'foreign_data'], false],
  ["create user mapping for current_user server s options (user 'u', password 'p')", 'CREATE USER MAPPING', ['ddl', 'foreign_data'], false],
  ['import foreign schema public from server s into local', 'IMPORT FOREIGN SCHEMA', ['ddl', 'foreign_data'], false],
  ['create foreign table ft (a int) server s', 'CREATE FOREIGN TABLE', ['ddl', 'foreign_data'], false],
  ["alter foreign table ft options (add x 'y')", 'ALTER FOREIGN TABLE', ['ddl', 'foreign_data'], false],
  ['drop server s cascade', 'DROP FOREIGN SERVER', ['ddl', 'drop', 'foreign_data'], false],
  ["select * from dblink('host=evil', 'select 1') as t(a int)", 'SELECT', ['read', 'dangerous_function', 'remote_connection'], false],
  // replication
  ['create publication p for all tables', 'CREATE PUBLICATION', ['ddl', 'replication'], false],
  ["create subscription s connection 'host=evil' publication p", 'CREATE SUBSCRIPTION', ['ddl', 'replication'], false],
  ['drop subscription s', 'DROP SUBSCRIPTION', ['ddl', 'drop', 'replication'], false],
  ["select * from pg_logical_slot_get_changes('s', null, null)", 'SELECT', ['read', 'replication'], false],
  ["select pg_create_logical_replication_slot('s', 'test_decoding')", 'SELECT', ['read', 'side_effect_function', 'replication'], false],
  // other sessions and the server
  ['select pg_terminate_backend(pid) from pg_stat_activity', 'SELECT', ['read', 'dangerous_function', 'admin_function'], false],
  ['select pg_stat_reset()', 'SELECT', ['read', 'side_effect_function', 'admin_function'], false],
  ['select pg_switch_wal()', 'SELECT', ['read', 'side_effect_function', 'admin_function'], false],
  // SQL in a string
  ["select query_to_xml('delete from t returning *', true, false, '')", 'SELECT', ['read', 'dangerous_function', 'dynamic_sql'], false],
  ["select * from ts_stat('select v from docs')", 'SELECT', ['read', 'dynamic_sql'], false],
  // tablespaces, databases
  ["create tablespace ts location '/tmp/ts'", 'CREATE TABLESPACE', ['ddl', 'tablespace'], false],
  ['alter table all in tablespace a set tablespace b', 'ALTER TABLE ALL IN TABLESPACE', ['ddl', 'tablespace'], false],
  ['drop tablespace ts', 'DROP TABLESPACE', ['ddl', 'drop', 'tablespace'], false],
  ['alter database d with connection limit 0', 'ALTER DATABASE', ['ddl', 'database'], false],
  ['alter database d rename to e', 'ALTER DATABASE RENAME', ['ddl', 'database'], false],
  // row security
  ['create policy p on t using (true)', 'CREATE POLICY', ['ddl', 'access_policy'], false],
  ['drop policy p on t', 'DROP POLICY', ['ddl', 'drop', 'access_policy'], false],
  ['alter table t disable row level security', 'ALTER TABLE', ['ddl', 'access_policy'], false],
  // transactions that outlive the session
  ["prepare transaction 'x'", 'PREPARE TRANSACTION', ['transaction', 'prepared_transaction'], false],
  ["commit prepared 'x'", 'COMMIT PREPARED', ['transaction', 'prepared_transaction'], false],
];
