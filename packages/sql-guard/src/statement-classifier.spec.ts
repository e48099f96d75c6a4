// Class tables: one statement each. Behaviour across statements, errors and the cache
// is in sql-analyzer.spec.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { StatementInfo } from './sql-analysis.types.js';
import { STATEMENT_CLASSES, type StatementClass } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

function only(sql: string): StatementInfo {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql.slice(0, 80)}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!;
}

type Row = [sql: string, command: string, classes: StatementClass[], readOnly: boolean];

/** One statement each: the exact class set, command tag and read-only verdict. */
const SINGLE: Row[] = [
  // reads
  ['SELECT 1', 'SELECT', ['read'], true],
  ['select * from public.users u join orders o on o.uid = u.id where u.id = 1', 'SELECT', ['read'], true],
  ['TABLE t', 'SELECT', ['read'], true],
  ['VALUES (1), (2)', 'VALUES', ['read'], true],
  ['select 1 for update', 'SELECT', ['read', 'lock'], false],
  ['select * from t for share skip locked', 'SELECT', ['read', 'lock'], false],
  ['select * into newtable from t', 'SELECT INTO', ['read', 'ddl'], false],
  ['declare c cursor for select * from t', 'DECLARE CURSOR', ['read'], true],
  ['fetch 10 from c', 'FETCH', ['read'], true],
  ['close c', 'CLOSE', ['session'], true],
  // writes
  ['insert into t (a) values (1)', 'INSERT', ['write', 'insert'], false],
  ['insert into t values (1) on conflict (a) do update set b = 2', 'INSERT', ['write', 'insert', 'update'], false],
  ['insert into t values (1) on conflict do nothing', 'INSERT', ['write', 'insert'], false],
  ['update t set a = 1 where id = 2', 'UPDATE', ['write', 'update'], false],
  ['update t set a = 1', 'UPDATE', ['write', 'update', 'update_without_where'], false],
  ['update t set a = 1 where true', 'UPDATE', ['write', 'update', 'update_without_where'], false],
  ['delete from t where id = 1', 'DELETE', ['write', 'delete'], false],
  ['DELETE FROM t', 'DELETE', ['write', 'delete', 'delete_without_where'], false],
  ['delete from t using u', 'DELETE', ['write', 'delete', 'delete_without_where'], false],
  ['delete from t where current of c', 'DELETE', ['write', 'delete'], false],
  [
    'merge into t using s on t.a = s.a when matched then update set b = s.b when not matched then insert values (s.a, s.b)',
    'MERGE',
    ['write', 'insert', 'update', 'merge'],
    false,
  ],
  ['truncate t, u restart identity', 'TRUNCATE', ['write', 'truncate'], false],
  ['with d as (delete from t returning *) select * from d', 'SELECT', ['read', 'write', 'delete', 'delete_without_where'], false],
  ['with u as (update t set a = 1 where b = 2 returning *) select count(*) from u', 'SELECT', ['read', 'write', 'update'], false],
  ['with i as (insert into t values (1) returning id) select id from i', 'SELECT', ['read', 'write', 'insert'], false],
  // DDL
  ['create table x (id int primary key)', 'CREATE TABLE', ['ddl'], false],
  ['create table x as select * from t', 'CREATE TABLE AS', ['read', 'ddl'], false],
  ['create materialized view m as select 1', 'CREATE MATERIALIZED VIEW', ['read', 'ddl'], false],
  ['create view v as select * from t', 'CREATE VIEW', ['read', 'ddl'], false],
  ['create unique index concurrently i on t (a)', 'CREATE INDEX', ['ddl'], false],
  ['create schema s', 'CREATE SCHEMA', ['ddl'], false],
  ['create sequence s', 'CREATE SEQUENCE', ['ddl'], false],
  ['create extension if not exists pgcrypto', 'CREATE EXTENSION', ['ddl'], false],
  ["create type mood as enum ('a', 'b')", 'CREATE TYPE', ['ddl'], false],
  ['create type pair as (a int, b int)', 'CREATE TYPE', ['ddl'], false],
  ['create aggregate agg (int) (sfunc = int4pl, stype = int)', 'CREATE AGGREGATE', ['ddl'], false],
  ['create trigger tr after insert on t for each row execute function f()', 'CREATE TRIGGER', ['ddl'], false],
  ['create rule r as on insert to t do instead nothing', 'CREATE RULE', ['ddl'], false],
  ['alter sequence s restart', 'ALTER SEQUENCE', ['ddl'], false],
  ['create table x as execute p', 'CREATE TABLE AS', ['ddl', 'execute'], false],
  ['explain analyze execute p', 'EXPLAIN ANALYZE', ['execute', 'explain'], false],
  ['alter table t add column c int', 'ALTER TABLE', ['ddl'], false],
  ['alter table t drop column c', 'ALTER TABLE', ['ddl', 'drop'], false],
  ['alter table t rename to u', 'ALTER TABLE RENAME', ['ddl'], false],
  ["comment on table t is 'x'", 'COMMENT', ['ddl'], false],
  ['alter table t owner to mallory', 'ALTER TABLE', ['ddl', 'alter_owner'], false],
  ['alter function f() owner to mallory', 'ALTER FUNCTION OWNER', ['ddl', 'alter_owner'], false],
  ['alter schema s owner to mallory', 'ALTER SCHEMA OWNER', ['ddl', 'alter_owner'], false],
  ['reassign owned by a to b', 'REASSIGN OWNED', ['ddl', 'alter_owner', 'role_admin'], false],
  ['drop table x', 'DROP TABLE', ['ddl', 'drop'], false],
  ['drop table if exists a, b cascade', 'DROP TABLE', ['ddl', 'drop'], false],
  ['drop view v', 'DROP VIEW', ['ddl', 'drop'], false],
  ['drop materialized view m', 'DROP MATERIALIZED VIEW', ['ddl', 'drop'], false],
  ['drop index i', 'DROP INDEX', ['ddl', 'drop'], false],
  ['drop sequence s', 'DROP SEQUENCE', ['ddl', 'drop'], false],
  ['drop schema s cascade', 'DROP SCHEMA', ['ddl', 'drop'], false],
  ['drop function f(int)', 'DROP FUNCTION', ['ddl', 'drop'], false],
  ['drop procedure p()', 'DROP PROCEDURE', ['ddl', 'drop'], false],
  ['drop type mood', 'DROP TYPE', ['ddl', 'drop'], false],
  ['drop extension pgcrypto', 'DROP EXTENSION', ['ddl', 'drop'], false],
  ['drop trigger tr on t', 'DROP TRIGGER', ['ddl', 'drop'], false],
  ['drop database d', 'DROP DATABASE', ['ddl', 'drop'], false],
  ['drop owned by a', 'DROP OWNED', ['ddl', 'drop', 'role_admin'], false],
  ['create database d', 'CREATE DATABASE', ['ddl'], false],
  ['create function f() returns int language sql as $$ select 1 $$', 'CREATE FUNCTION', ['ddl', 'create_function'], false],
  ['create or replace procedure p() language plpgsql as $$ begin null; end $$', 'CREATE PROCEDURE', ['ddl', 'create_function'], false],
  // privileges and roles
  ['grant select on t to u', 'GRANT', ['grant'], false],
  ['grant all on all tables in schema public to u', 'GRANT', ['grant'], false],
  ['revoke insert on t from u', 'REVOKE', ['grant'], false],
  ['grant pg_read_server_files to u', 'GRANT', ['grant'], false],
  ['revoke admin from u', 'REVOKE', ['grant'], false],
  ['alter default privileges grant select on tables to u', 'ALTER DEFAULT PRIVILEGES', ['ddl', 'grant'], false],
  ["create role r login password 'x'", 'CREATE ROLE', ['ddl', 'role_admin'], false],
  ['create user u', 'CREATE USER', ['ddl', 'role_admin'], false],
  ['alter role u superuser', 'ALTER ROLE', ['ddl', 'role_admin'], false],
  ['alter user u set search_path = x', 'ALTER ROLE', ['ddl', 'role_admin'], false],
  ['drop role u', 'DROP ROLE', ['ddl', 'drop', 'role_admin'], false],
  ['drop user if exists u', 'DROP ROLE', ['ddl', 'drop', 'role_admin'], false],
  ["alter system set archive_command = 'sh -c id'", 'ALTER SYSTEM', ['alter_system'], false],
  // COPY
  ['copy t from stdin', 'COPY', ['write', 'insert', 'copy_in'], false],
  ['copy t to stdout', 'COPY', ['read', 'copy_out'], true],
  ['copy (select * from t) to stdout with csv', 'COPY', ['read', 'copy_out'], true],
  ["copy t to program 'sh'", 'COPY', ['read', 'copy_to_program'], false],
  ["copy t from program 'curl evil'", 'COPY', ['write', 'insert', 'copy_from_program'], false],
  ["copy (select 1) to '/tmp/x'", 'COPY', ['read', 'copy_file'], false],
  ["copy t from '/etc/passwd'", 'COPY', ['write', 'insert', 'copy_file'], false],
  ['copy (delete from t returning *) to stdout', 'COPY', ['read', 'write', 'delete', 'delete_without_where', 'copy_out'], false],
  // roles by another name
  ['SET ROLE postgres', 'SET', ['set_role'], false],
  ['set local role postgres', 'SET', ['set_role'], false],
  ['SET SESSION AUTHORIZATION postgres', 'SET', ['set_role'], false],
  ['set session authorization default', 'SET', ['set_role'], false],
  ['RESET ROLE', 'RESET', ['set_role'], false],
  ['reset session authorization', 'RESET', ['set_role'], false],
  ["select set_config('role', 'postgres', false)", 'SELECT', ['read', 'set_role', 'dangerous_function'], false],
  ["select set_config('ROLE'::text, 'postgres', true)", 'SELECT', ['read', 'set_role', 'dangerous_function'], false],
  ["select set_config('session_authorization', 'postgres', false)", 'SELECT', ['read', 'set_role', 'dangerous_function'], false],
  ["select set_config(name, 'postgres', false) from settings", 'SELECT', ['read', 'set_role', 'dangerous_function'], false],
  ["select pg_catalog.set_config('search_path', '', false)", 'SELECT', ['read', 'dangerous_function'], false],
  ['discard all', 'DISCARD', ['set_role', 'session'], false],
  // session, transaction
  ['set search_path = public', 'SET', ['session'], true],
  ["set local statement_timeout = '5s'", 'SET', ['session'], true],
  ["set time zone 'UTC'", 'SET', ['session'], true],
  ['reset all', 'RESET', ['session'], true],
  ['show server_version', 'SHOW', ['session'], true],
  ['discard plans', 'DISCARD', ['session'], true],
  ['listen chan', 'LISTEN', ['session'], true],
  ['unlisten *', 'UNLISTEN', ['session'], true],
  ["notify chan, 'x'", 'NOTIFY', ['other'], false],
  ['BEGIN', 'BEGIN', ['transaction'], true],
  ['begin isolation level serializable read only', 'BEGIN', ['transaction'], true],
  ['start transaction', 'START TRANSACTION', ['transaction'], true],
  ['END', 'COMMIT', ['transaction'], true],
  ['commit', 'COMMIT', ['transaction'], true],
  ['rollback', 'ROLLBACK', ['transaction'], true],
  ['savepoint s1', 'SAVEPOINT', ['transaction'], true],
  ['release savepoint s1', 'RELEASE', ['transaction'], true],
  ['rollback to savepoint s1', 'ROLLBACK TO SAVEPOINT', ['transaction'], true],
  // procedural
  ['DO $$ begin delete from t; end $$', 'DO', ['do_block'], false],
  ["do language plpgsql 'begin null; end'", 'DO', ['do_block'], false],
  ['call p(1)', 'CALL', ['call'], false],
  ["call pg_read_file('/etc/passwd')", 'CALL', ['call', 'dangerous_function'], false],
  // prepare / execute / explain
  ['prepare p as select * from t where id = $1', 'PREPARE', ['read', 'prepare'], true],
  ['prepare p (int) as delete from t', 'PREPARE', ['write', 'delete', 'delete_without_where', 'prepare'], false],
  ['execute p(1)', 'EXECUTE', ['execute'], false],
  ['deallocate all', 'DEALLOCATE', ['prepare'], true],
  ['explain select * from t', 'EXPLAIN', ['explain'], true],
  ['explain delete from t', 'EXPLAIN', ['explain'], true],
  ['explain analyze select * from t', 'EXPLAIN ANALYZE', ['read', 'explain'], true],
  ['EXPLAIN ANALYZE DELETE FROM t', 'EXPLAIN ANALYZE', ['write', 'delete', 'delete_without_where', 'explain'], false],
  ['explain (analyze, buffers) update t set a = 1 where b = 2', 'EXPLAIN ANALYZE', ['write', 'update', 'explain'], false],
  ['explain (analyze false) delete from t where a = 1', 'EXPLAIN ANALYZE', ['write', 'delete', 'explain'], false],
  ["explain select pg_read_file('/etc/passwd')", 'EXPLAIN', ['dangerous_function', 'explain'], false],
  // locks, maintenance
  ['lock table t in access exclusive mode', 'LOCK', ['lock'], false],
  ['vacuum full t', 'VACUUM', ['vacuum', 'maintenance'], false],
  ['vacuum analyze', 'VACUUM', ['vacuum', 'maintenance'], false],
  ['analyze t', 'ANALYZE', ['maintenance'], false],
  ['reindex table t', 'REINDEX', ['maintenance'], false],
  ['cluster t using i', 'CLUSTER', ['maintenance'], false],
  ['checkpoint', 'CHECKPOINT', ['maintenance'], false],
  ['refresh materialized view m', 'REFRESH MATERIALIZED VIEW', ['write', 'maintenance'], false],
  // fail closed on kinds without a case
  ["load 'plpgsql'", 'LOAD', ['other'], false],
  ["security label on table t is 'x'", 'SECURITY LABEL', ['ddl'], false],
  ["create server s foreign data wrapper postgres_fdw options (host 'evil')", 'CREATE FOREIGN SERVER', ['ddl'], false],
  // pgbench (built-in tpcb-like script, extended protocol parameters)
  ['SELECT abalance FROM pgbench_accounts WHERE aid = $1', 'SELECT', ['read'], true],
  ['UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2', 'UPDATE', ['write', 'update'], false],
  ['UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2', 'UPDATE', ['write', 'update'], false],
  [
    'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
    'INSERT',
    ['write', 'insert'],
    false,
  ],
];

describe('analyzeSql: one statement', () => {
  it.each(SINGLE)('%s → %s', (sql, command, classes, readOnly) => {
    const s = only(sql);
    expect(s.command).toBe(command);
    expect(s.classes).toEqual(classes);
    expect(s.readOnly).toBe(readOnly);
    expect(s.text).toBe(sql);
  });

  it('every class appears in at least one table row', () => {
    const seen = new Set<string>(SINGLE.flatMap((r) => r[2]));
    expect(STATEMENT_CLASSES.filter((c) => !seen.has(c) && c !== 'side_effect_function')).toEqual([]);
  });
});

describe('analyzeSql: tables and functions', () => {
  it.each([
    ['select * from public.a join b on true', ['public.a', 'b'], []],
    ['with c as (select 1) select * from c, d', ['d'], []],
    ['insert into s.t select * from u', ['s.t', 'u'], []],
    ['drop table a, s.b', ['a', 's.b'], []],
    ['truncate a, b', ['a', 'b'], []],
    ['select lower(x), pg_catalog.upper(y), now() from t', ['t'], ['lower', 'pg_catalog.upper', 'now']],
    ['select count(*) filter (where f(a) > 0) from t', ['t'], ['count', 'f']],
    ['call s.p(now())', [], ['s.p', 'now']],
    ['select * from t1 where exists (select 1 from t2)', ['t1', 't2'], []],
  ])('%s', (sql, tables, functions) => {
    const s = only(sql);
    expect(s.tables).toEqual(tables);
    expect(s.functions).toEqual(functions);
  });
});

