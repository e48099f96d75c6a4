import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, clearSqlGuardCache, initSqlGuard, MAX_SQL_BYTES } from './sql-analyzer.js';
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
  ["create type mood as enum ('a', 'b')", 'CREATE ENUM', ['ddl'], false],
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
  ["security label on table t is 'x'", 'SEC LABEL', ['ddl'], false],
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

/** A dangerous function anywhere in the tree makes the statement dangerous and not read-only. */
const DANGEROUS: Array<[sql: string, fn: string]> = [
  ["select pg_read_file('/etc/passwd')", 'pg_read_file'],
  ["select * from (select pg_read_file('/etc/passwd')) s", 'pg_read_file'],
  ["with x as (select pg_read_binary_file('/etc/passwd') b) select * from x", 'pg_read_binary_file'],
  ["select length(upper(pg_read_file('/etc/passwd')))", 'pg_read_file'],
  ["select a from t order by pg_read_file('/etc/passwd')", 'pg_read_file'],
  ["select a from t where a in (select pg_ls_dir('/'))", 'pg_ls_dir'],
  ["select * from pg_ls_dir('/')", 'pg_ls_dir'],
  ["select pg_catalog.pg_stat_file('/etc/passwd')", 'pg_catalog.pg_stat_file'],
  ["select lo_import('/etc/passwd')", 'lo_import'],
  ["select lo_export(16384, '/tmp/x')", 'lo_export'],
  ["select * from dblink('host=evil', 'select 1') as t(a int)", 'dblink'],
  ["select dblink_exec('host=evil', 'drop table t')", 'dblink_exec'],
  ['select pg_terminate_backend(pid) from pg_stat_activity', 'pg_terminate_backend'],
  ['select pg_cancel_backend(123)', 'pg_cancel_backend'],
  ['select pg_reload_conf()', 'pg_reload_conf'],
  ['select pg_rotate_logfile()', 'pg_rotate_logfile'],
  ["select query_to_xml('delete from t returning *', true, false, '')", 'query_to_xml'],
  ["insert into t select pg_read_file('/etc/passwd')", 'pg_read_file'],
  ["update t set a = pg_read_file('/etc/passwd') where id = 1", 'pg_read_file'],
  ["create table x (a text default pg_read_file('/etc/passwd'))", 'pg_read_file'],
  ["copy (select pg_read_file('/etc/passwd')) to stdout", 'pg_read_file'],
  ["select public.PG_READ_FILE('/etc/passwd')", 'public.pg_read_file'],
  ["prepare p as select pg_read_file('/etc/passwd')", 'pg_read_file'],
  ["select (select (select pg_read_file('/x')))", 'pg_read_file'],
  ["select case when true then pg_read_file('/x') end", 'pg_read_file'],
];

describe('analyzeSql: one statement', () => {
  it.each(SINGLE)('%s → %s', (sql, command, classes, readOnly) => {
    const s = only(sql);
    expect(s.command).toBe(command);
    expect(s.classes).toEqual(classes);
    expect(s.readOnly).toBe(readOnly);
    expect(s.text).toBe(sql);
  });

  it.each(DANGEROUS)('%s is dangerous_function (%s)', (sql, fn) => {
    const s = only(sql);
    expect(s.classes).toContain('dangerous_function');
    expect(s.functions).toContain(fn);
    expect(s.readOnly).toBe(false);
  });

  it.each([
    ["select nextval('s')", 'nextval'],
    ["select setval('s', 1)", 'setval'],
    ["select lo_from_bytea(0, 'x')", 'lo_from_bytea'],
    ['select pg_advisory_lock(1)', 'pg_advisory_lock'],
    ["select pg_notify('c', 'x')", 'pg_notify'],
  ])('%s is side_effect_function, not read-only', (sql, fn) => {
    const s = only(sql);
    expect(s.classes).toEqual(['read', 'side_effect_function']);
    expect(s.functions).toEqual([fn]);
    expect(s.readOnly).toBe(false);
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
  ])('%s', (sql, tables, functions) => {
    const s = only(sql);
    expect(s.tables).toEqual(tables);
    expect(s.functions).toEqual(functions);
  });
});

describe('analyzeSql: several statements, comments, quoting', () => {
  it('checks every statement of a simple Query and slices each text', () => {
    const a = analyzeSql('SeLeCt 1; drop table x');
    expect(a).toMatchObject({
      ok: true,
      statements: [
        { text: 'SeLeCt 1', command: 'SELECT', readOnly: true },
        { text: 'drop table x', command: 'DROP TABLE', classes: ['ddl', 'drop'], readOnly: false },
      ],
    });
  });

  it('slices by UTF-8 byte offsets', () => {
    const a = analyzeSql("select 'héllo ✓'; delete from t");
    expect(a.ok && a.statements.map((s) => s.text)).toEqual(["select 'héllo ✓'", 'delete from t']);
  });

  it.each([
    ['select 1 -- ; drop table x', ['SELECT']],
    ['select 1 /* ; drop table x */', ['SELECT']],
    ["select '; drop table x'", ['SELECT']],
    ['select $$ ; drop table x $$', ['SELECT']],
    ['select $tag$ ; drop table x $tag$', ['SELECT']],
    ['select 1 /* c */ ; /* c */ drop table x', ['SELECT', 'DROP TABLE']],
    ['select 1;;; ;delete from t', ['SELECT', 'DELETE']],
    ['BEGIN; UPDATE t SET a = 1 WHERE id = 1; COMMIT;', ['BEGIN', 'UPDATE', 'COMMIT']],
    ['PREPARE p AS DELETE FROM t; EXECUTE p', ['PREPARE', 'EXECUTE']],
    ['select 1; DO $$ begin drop table t; end $$', ['SELECT', 'DO']],
  ])('%s', (sql, commands) => {
    const a = analyzeSql(sql);
    expect(a.ok && a.statements.map((s) => s.command)).toEqual(commands);
  });

  it.each(['', '   ', '-- only a comment', '/* c */', ';', ';;'])('%j has no statements', (sql) => {
    expect(analyzeSql(sql)).toEqual({ ok: true, statements: [] });
  });
});

describe('analyzeSql: Prisma-migration-style DDL', () => {
  const migration = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- DropIndex
DROP INDEX "Post_slug_key";

-- AlterTable
ALTER TABLE "Post" DROP COLUMN "slug",
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL;
`;
  it('classes every statement of a migration file', () => {
    const a = analyzeSql(migration);
    if (!a.ok) throw new Error(a.error);
    expect(a.statements.map((s) => [s.command, s.classes])).toEqual([
      ['CREATE ENUM', ['ddl']],
      ['CREATE TABLE', ['ddl']],
      ['CREATE INDEX', ['ddl']],
      ['ALTER TABLE', ['ddl']],
      ['DROP INDEX', ['ddl', 'drop']],
      ['ALTER TABLE', ['ddl', 'drop']],
    ]);
    expect(a.statements[1]!.tables).toEqual(['User']);
    expect(a.statements[2]!.text).toBe('CREATE UNIQUE INDEX "User_email_key" ON "User"("email")');
    expect(a.statements.every((s) => !s.readOnly)).toBe(true);
  });
});

describe('analyzeSql: unparseable and oversized input', () => {
  it.each([
    ['selec 1', /syntax error at or near "selec" at character 1/],
    ['$$', /unterminated dollar-quoted string/],
    ["select 'x", /unterminated quoted string/],
    ['select 1; selec 2', /syntax error at or near "selec" at character 11/],
    ['select (((1)', /syntax error/],
    ['DO $$ begin', /unterminated dollar-quoted string/],
  ])('%s', (sql, message) => {
    const a = analyzeSql(sql);
    expect(a.ok).toBe(false);
    expect(!a.ok && a.error).toMatch(message);
  });

  it('refuses text over MAX_SQL_BYTES without parsing it', () => {
    const sql = `select '${'x'.repeat(MAX_SQL_BYTES)}'`;
    expect(analyzeSql(sql)).toEqual({ ok: false, error: `statement text is longer than ${MAX_SQL_BYTES} bytes` });
  });

  it('counts bytes, not characters, at the limit', () => {
    const sql = `select '${'é'.repeat(MAX_SQL_BYTES / 2)}'`;
    expect(sql.length).toBeLessThan(MAX_SQL_BYTES);
    expect(analyzeSql(sql).ok).toBe(false);
  });

  it('parses a long statement just under the limit', () => {
    const sql = `select * from t where a in (1${',1'.repeat((MAX_SQL_BYTES - 64) / 2)})`;
    const s = only(sql);
    expect(s.classes).toEqual(['read']);
  });

  it('reports a tree too deep for the parser as unparseable, not a crash', () => {
    const a = analyzeSql(`select 1${'+1'.repeat(200_000)}`);
    expect(a.ok).toBe(false);
  });

  it('gives a result (not a crash) for deep nesting', () => {
    expect(analyzeSql(`select ${'('.repeat(100_000)}1${')'.repeat(100_000)}`).ok).toBe(false);
    expect(analyzeSql(`${'('.repeat(100_000)}select 1${')'.repeat(100_000)}`).ok).toBe(false);
    expect(only('select 1').classes).toEqual(['read']);
  });
});

describe('analyzeSql: cache', () => {
  it('returns the same frozen result for the same text', () => {
    clearSqlGuardCache();
    const a = analyzeSql('select * from t where id = $1');
    const b = analyzeSql('select * from t where id = $1');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.ok && Object.isFrozen(a.statements[0]!.classes)).toBe(true);
  });
});
