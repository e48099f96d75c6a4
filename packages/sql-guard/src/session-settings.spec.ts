// The settings facts (session-settings.ts): which run-time settings a statement changes in the
// session, and whether it asks for a read-write transaction. The gateway refuses changes of the
// settings it pins whatever the policy says, so every way of changing one must be named here.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { StatementInfo } from './sql-analysis.types.js';

beforeAll(async () => {
  await initSqlGuard();
});

function only(sql: string): StatementInfo {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!;
}

const CASES: Array<[sql: string, settings: string[], readWrite: boolean]> = [
  ['select 1', [], false],
  ["set work_mem = '64MB'", ['work_mem'], false],
  ['SET LOCAL Statement_Timeout = 0', ['statement_timeout'], false],
  ['set session search_path to public', ['search_path'], false],
  ['set standard_conforming_strings = off', ['standard_conforming_strings'], false],
  ['set standard_conforming_strings to default', ['standard_conforming_strings'], false],
  ['reset client_encoding', ['client_encoding'], false],
  ["set names 'SJIS'", ['client_encoding'], false],
  ['set names default', ['client_encoding'], false],
  ["set time zone 'UTC'", ['timezone'], false],
  ['set time zone local', ['timezone'], false],
  ["set schema 'x'", ['search_path'], false],
  ['set xml option document', ['xmloption'], false],
  ['set role postgres', ['role'], false],
  ['set session authorization default', ['session_authorization'], false],
  ['reset role', ['role'], false],
  ['reset all', ['all'], false],
  ['discard all', ['all'], false],
  ['discard plans', [], false],
  // transactions
  ['begin', [], false],
  ['begin read only', ['transaction_read_only'], false],
  ['begin read write', ['transaction_read_only'], true],
  ['start transaction isolation level repeatable read, read write', ['transaction_isolation', 'transaction_read_only'], true],
  ['begin isolation level serializable, read only, deferrable', ['transaction_isolation', 'transaction_read_only', 'transaction_deferrable'], false],
  ['set transaction isolation level serializable', ['transaction_isolation'], false],
  ['set transaction read write', ['transaction_read_only'], true],
  ['set local transaction read only, not deferrable', ['transaction_read_only', 'transaction_deferrable'], false],
  ['set session characteristics as transaction read write', ['default_transaction_read_only'], true],
  ['set session characteristics as transaction isolation level read committed', ['default_transaction_isolation'], false],
  ["set transaction snapshot '00000003-0000001B-1'", [], false],
  // read-only-ness set by name: anything but a literal true asks for read-write
  ['set default_transaction_read_only = off', ['default_transaction_read_only'], true],
  ["set default_transaction_read_only = 'false'", ['default_transaction_read_only'], true],
  ['set default_transaction_read_only = on', ['default_transaction_read_only'], false],
  ['set default_transaction_read_only to true', ['default_transaction_read_only'], false],
  ['set default_transaction_read_only to default', ['default_transaction_read_only'], true],
  ['reset default_transaction_read_only', ['default_transaction_read_only'], true],
  ['set transaction_read_only = yes', ['transaction_read_only'], false],
  // an integer is never read (the shape cache shares one analysis between its values): either counts as read-write
  ['set transaction_read_only = 0', ['transaction_read_only'], true],
  ['set transaction_read_only = 1', ['transaction_read_only'], true],
  // set_config
  ["select set_config('standard_conforming_strings', 'off', false)", ['standard_conforming_strings'], false],
  ["select pg_catalog.set_config('Client_Encoding'::text, 'SJIS', true)", ['client_encoding'], false],
  ["select set_config(name, 'off', false) from pg_settings", ['*'], true],
  ["select set_config(setting_name => 'search_path', new_value => 'x', is_local => false)", ['*'], true],
  ["select set_config('default_transaction_read_only', 'off', false)", ['default_transaction_read_only'], true],
  ["select set_config('transaction_read_only', 'on', true)", ['transaction_read_only'], false],
  ["select set_config('transaction_read_only', setting, true) from s", ['transaction_read_only'], true],
  ["explain select set_config('a', 'b', false)", ['a'], false],
  // the pg_settings view's update rule calls set_config
  ["update pg_settings set setting = 'off' where name = 'standard_conforming_strings'", ['*'], true],
  ["update pg_catalog.pg_settings s set setting = 'off'", ['*'], true],
  ["prepare p as update pg_settings set setting = 'off' where name = 'client_encoding'", ['*'], true],
  // a function's own SET clause takes effect while it runs
  ["create function f() returns int language sql set client_encoding = 'SJIS' as 'select 1'", ['client_encoding'], false],
  ['alter function f() reset all', ['all'], false],
  // other sessions' settings, not this one's
  ["alter role r set client_encoding = 'SJIS'", [], false],
  ['alter database d set default_transaction_read_only = off', [], false],
  ['alter system set standard_conforming_strings = off', [], false],
];

describe('settings and readWrite', () => {
  it.each(CASES)('%s → %j, readWrite %s', (sql, settings, readWrite) => {
    const s = only(sql);
    expect(s.settings).toEqual(settings);
    expect(s.readWrite).toBe(readWrite);
    if (readWrite) expect(s.readOnly).toBe(false);
  });
});
