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

describe('analyzeSql: functions anywhere in the tree', () => {
  it.each(DANGEROUS)('%s is dangerous_function (%s)', (sql, fn) => {
    const s = only(sql);
    expect(s.classes).toContain('dangerous_function');
    expect(s.functions).toContain(fn);
    expect(s.readOnly).toBe(false);
  });

  it.each([
    ["select nextval('s')", 'nextval', []],
    ["select setval('s', 1)", 'setval', []],
    ["select lo_from_bytea(0, 'x')", 'lo_from_bytea', ['large_object']],
    ['select pg_advisory_lock(1)', 'pg_advisory_lock', []],
    ["select pg_notify('c', 'x')", 'pg_notify', []],
  ])('%s is side_effect_function, not read-only', (sql, fn, baseline) => {
    const s = only(sql);
    expect(s.classes).toEqual(['read', 'side_effect_function', ...baseline]);
    expect(s.functions).toEqual([fn]);
    expect(s.readOnly).toBe(false);
  });
});
