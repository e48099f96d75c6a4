// Every statement kind of the parser's grammar (PostgreSQL 18, the node names in libpg-query's
// WASM), reviewed once: which classes of the built-in baseline it carries and whether it is a
// read kind. A parser upgrade with a new kind fails here until the kind is reviewed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import { isBaselineClass, type StatementClass } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

/** Nodes named …Stmt that are not statements a client sends. */
const NOT_STATEMENTS = {
  RawStmt: 'the wrapper of every top-level statement',
  SetOperationStmt: 'a UNION/INTERSECT/EXCEPT inside an analysed query, not raw parse output',
  ReplicaIdentityStmt: 'ALTER TABLE … REPLICA IDENTITY, a command inside AlterTableStmt',
  ReturnStmt: 'the RETURN body of a SQL-standard function, inside CreateFunctionStmt',
  PLAssignStmt: 'a PL/pgSQL assignment, parsed only in PL/pgSQL mode',
};

/** kind → an example, the baseline classes it carries, whether it is read-only. */
const KINDS: Record<string, [sql: string, baseline: StatementClass[], readOnly: boolean]> = {
  AlterCollationStmt: ['alter collation c refresh version', [], false],
  AlterDatabaseRefreshCollStmt: ['alter database d refresh collation version', ['database'], false],
  AlterDatabaseSetStmt: ["alter database d set work_mem = '1MB'", ['server_config'], false],
  AlterDatabaseStmt: ['alter database d with allow_connections false', ['database'], false],
  AlterDefaultPrivilegesStmt: ['alter default privileges grant select on tables to u', ['grant'], false],
  AlterDomainStmt: ['alter domain d set not null', [], false],
  AlterEnumStmt: ["alter type mood add value 'c'", [], false],
  AlterEventTrigStmt: ['alter event trigger e disable', ['trigger'], false],
  AlterExtensionContentsStmt: ['alter extension e drop function f()', ['extension'], false],
  AlterExtensionStmt: ['alter extension e update', ['extension'], false],
  AlterFdwStmt: ['alter foreign data wrapper w no handler', ['foreign_data'], false],
  AlterForeignServerStmt: ["alter server s options (set host 'x')", ['foreign_data'], false],
  AlterFunctionStmt: ['alter function f() leakproof', ['create_function'], false],
  AlterObjectDependsStmt: ['alter index i depends on extension e', ['extension'], false],
  AlterObjectSchemaStmt: ['alter table t set schema s', [], false],
  AlterOpFamilyStmt: ['alter operator family f using btree drop operator 1 (int, int)', ['create_function'], false],
  AlterOperatorStmt: ['alter operator + (int, int) set (join = j)', ['create_function'], false],
  AlterOwnerStmt: ['alter schema s owner to u', ['alter_owner'], false],
  AlterPolicyStmt: ['alter policy p on t using (true)', ['access_policy'], false],
  AlterPublicationStmt: ['alter publication p add table t', ['replication'], false],
  AlterRoleSetStmt: ['alter role r set work_mem = 1', ['role_admin', 'server_config'], false],
  AlterRoleStmt: ['alter role r createrole', ['role_admin'], false],
  AlterSeqStmt: ['alter sequence s restart', [], false],
  AlterStatsStmt: ['alter statistics st set statistics 10', [], false],
  AlterSubscriptionStmt: ['alter subscription s refresh publication', ['replication'], false],
  AlterSystemStmt: ['alter system reset all', ['alter_system'], false],
  AlterTSConfigurationStmt: ['alter text search configuration c add mapping for word with simple', [], false],
  AlterTSDictionaryStmt: ['alter text search dictionary d (stopwords = english)', [], false],
  AlterTableMoveAllStmt: ['alter index all in tablespace a set tablespace b', ['tablespace'], false],
  AlterTableSpaceOptionsStmt: ['alter tablespace ts reset (seq_page_cost)', ['tablespace'], false],
  AlterTableStmt: ['alter table t add column c int', [], false],
  AlterTypeStmt: ['alter type t set (send = s)', ['create_function'], false],
  AlterUserMappingStmt: ["alter user mapping for u server s options (set password 'p')", ['foreign_data'], false],
  CallStmt: ['call p()', [], false],
  CheckPointStmt: ['checkpoint', [], false],
  ClosePortalStmt: ['close c', [], true],
  ClusterStmt: ['cluster t', [], false],
  CommentStmt: ["comment on table t is 'x'", [], false],
  CompositeTypeStmt: ['create type p as (a int)', [], false],
  ConstraintsSetStmt: ['set constraints all immediate', [], false],
  CopyStmt: ['copy t to stdout', [], true],
  CreateAmStmt: ['create access method a type index handler h', ['create_function'], false],
  CreateCastStmt: ['create cast (t as u) without function', ['create_function'], false],
  CreateConversionStmt: ["create default conversion c for 'UTF8' to 'SJIS' from f", ['create_function'], false],
  CreateDomainStmt: ['create domain d as int', [], false],
  CreateEnumStmt: ["create type e as enum ('a')", [], false],
  CreateEventTrigStmt: ['create event trigger e on sql_drop execute function f()', ['trigger'], false],
  CreateExtensionStmt: ['create extension e', ['extension'], false],
  CreateFdwStmt: ['create foreign data wrapper w', ['foreign_data'], false],
  CreateForeignServerStmt: ['create server s foreign data wrapper w', ['foreign_data'], false],
  CreateForeignTableStmt: ['create foreign table ft (a int) server s', ['foreign_data'], false],
  CreateFunctionStmt: ["create function f() returns int language sql as 'select 1'", ['create_function'], false],
  CreateOpClassStmt: ['create operator class c for type int using hash as function 1 f(int)', ['create_function'], false],
  CreateOpFamilyStmt: ['create operator family f using hash', ['create_function'], false],
  CreatePLangStmt: ['create language l handler h', ['language'], false],
  CreatePolicyStmt: ['create policy p on t for select using (true)', ['access_policy'], false],
  CreatePublicationStmt: ['create publication p', ['replication'], false],
  CreateRangeStmt: ['create type r as range (subtype = float8, subtype_diff = f)', ['create_function'], false],
  CreateRoleStmt: ['create role r', ['role_admin'], false],
  CreateSchemaStmt: ['create schema s', [], false],
  CreateSeqStmt: ['create sequence s', [], false],
  CreateStatsStmt: ['create statistics s on a, b from t', [], false],
  CreateStmt: ['create table t (a int)', [], false],
  CreateSubscriptionStmt: ["create subscription s connection 'x' publication p", ['replication'], false],
  CreateTableAsStmt: ['create table t2 as select 1', [], false],
  CreateTableSpaceStmt: ["create tablespace ts location '/x'", ['tablespace'], false],
  CreateTransformStmt: ['create transform for int language l (from sql with function f(internal))', ['language'], false],
  CreateTrigStmt: ['create trigger tr before insert on t for each row execute function f()', ['trigger'], false],
  CreateUserMappingStmt: ['create user mapping for public server s', ['foreign_data'], false],
  CreatedbStmt: ['create database d', ['database'], false],
  DeallocateStmt: ['deallocate p', [], true],
  DeclareCursorStmt: ['declare c cursor for select 1', [], true],
  DefineStmt: ['create aggregate a (int) (sfunc = f, stype = int)', ['create_function'], false],
  DeleteStmt: ['delete from t where id = 1', [], false],
  DiscardStmt: ['discard temp', [], true],
  DoStmt: ["do 'begin null; end'", ['do_block'], false],
  DropOwnedStmt: ['drop owned by r', ['role_admin'], false],
  DropRoleStmt: ['drop role r', ['role_admin'], false],
  DropStmt: ['drop table t', [], false],
  DropSubscriptionStmt: ['drop subscription s', ['replication'], false],
  DropTableSpaceStmt: ['drop tablespace ts', ['tablespace'], false],
  DropUserMappingStmt: ['drop user mapping for public server s', ['foreign_data'], false],
  DropdbStmt: ['drop database d', ['database'], false],
  ExecuteStmt: ['execute p', [], false],
  ExplainStmt: ['explain select 1', [], true],
  FetchStmt: ['fetch c', [], true],
  GrantRoleStmt: ['grant r to u', ['grant'], false],
  GrantStmt: ['grant select on t to u', ['grant'], false],
  ImportForeignSchemaStmt: ['import foreign schema r from server s into l', ['foreign_data'], false],
  IndexStmt: ['create index i on t (a)', [], false],
  InsertStmt: ['insert into t values (1)', [], false],
  ListenStmt: ['listen c', [], true],
  LoadStmt: ["load 'x'", ['load'], false],
  LockStmt: ['lock t', [], false],
  MergeStmt: ['merge into t using s on t.a = s.a when matched then delete', [], false],
  NotifyStmt: ['notify c', [], false],
  PrepareStmt: ['prepare p as select 1', [], true],
  ReassignOwnedStmt: ['reassign owned by a to b', ['role_admin', 'alter_owner'], false],
  RefreshMatViewStmt: ['refresh materialized view m', [], false],
  ReindexStmt: ['reindex index i', [], false],
  RenameStmt: ['alter table t rename to u', [], false],
  RuleStmt: ['create rule r as on update to t do instead nothing', ['rule'], false],
  SecLabelStmt: ["security label for selinux on table t is 'x'", ['access_policy'], false],
  SelectStmt: ['select 1', [], true],
  TransactionStmt: ['begin', [], true],
  TruncateStmt: ['truncate t', [], false],
  UnlistenStmt: ['unlisten c', [], true],
  UpdateStmt: ['update t set a = 1 where id = 1', [], false],
  VacuumStmt: ['vacuum t', [], false],
  VariableSetStmt: ['set work_mem = 1', [], true],
  VariableShowStmt: ['show work_mem', [], true],
  ViewStmt: ['create view v as select 1', [], false],
};

/** The node names ending in Stmt that the parser's WASM knows (its JSON output names them). */
function grammarStatementKinds(): string[] {
  const wasm = join(dirname(createRequire(import.meta.url).resolve('libpg-query')), 'libpg-query.wasm');
  const text = readFileSync(wasm).toString('latin1');
  return [...new Set(text.match(/\b[A-Z][A-Za-z]*Stmt\b/g) ?? [])].sort();
}

describe('statement kinds of the grammar', () => {
  it('are all reviewed here', () => {
    const kinds = grammarStatementKinds();
    expect(kinds.length).toBeGreaterThan(100);
    expect(kinds.filter((k) => !(k in KINDS) && !(k in NOT_STATEMENTS))).toEqual([]);
    expect(Object.keys(KINDS).filter((k) => !kinds.includes(k))).toEqual([]);
  });

  it.each(Object.entries(KINDS))('%s', (kind, [sql, baseline, readOnly]) => {
    const a = analyzeSql(sql);
    if (!a.ok) throw new Error(`${sql}: ${a.error}`);
    expect(a.statements).toHaveLength(1);
    const tree = parseSync(sql) as { stmts: Array<{ stmt: Record<string, unknown> }> };
    expect(Object.keys(tree.stmts[0]!.stmt)).toEqual([kind]);
    const s = a.statements[0]!;
    expect(s.classes.filter(isBaselineClass).sort()).toEqual([...baseline].sort());
    expect(s.readOnly).toBe(readOnly);
    if (!readOnly) expect(s.notReadOnly.length).toBeGreaterThan(0);
  });
});
