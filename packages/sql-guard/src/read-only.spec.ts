// Read-only is an allow-list: every statement kind a read kind, every class a read-only class,
// every function and operator on the lists generated from PostgreSQL's catalogue
// (read-only-functions.generated.ts). Anything else, named in notReadOnly.
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateGuardrails } from './guardrails.js';
import type { GuardrailRules, StatementInfo } from './sql-analysis.types.js';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import { BASELINE_BLOCKED_CLASSES } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

function only(sql: string): StatementInfo {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!;
}

const READS: string[] = [
  'select lower(name), count(*), sum(x), string_agg(name, $$,$$) from t group by 1',
  'select pg_catalog.lower(name) from t',
  'select random(), clock_timestamp(), gen_random_uuid(), pg_sleep(0), timeofday()',
  'select * from generate_series(1, 10) g',
  'select extract(year from now()), substring(name from 2 for 3), trim(both from name) from t',
  'select coalesce(a, b), greatest(1, 2), nullif(1, 2), current_user, current_date from t',
  "select 'a' like 'b', 'a' ilike 'b', 'a' similar to 'b', 'a' ~ 'b'",
  'select 1 operator(pg_catalog.+) 2',
  'select * from t where a = any(select b from u) and a is distinct from b and a in (1, 2) and a between 1 and 2',
  'select * from t order by a using ~<~',
  "select xmlelement(name a, 'x'), to_jsonb(t), row_to_json(t) from t",
  "select * from json_table('[]', '$[*]' columns (a int path '$.a')) j",
  "select current_setting('search_path'), pg_size_pretty(pg_total_relation_size('t'))",
  'select row_number() over (order by a), rank() over w from t window w as (order by a)',
  'explain delete from t where id = 1',
  'copy (select lower(name) from t) to stdout',
  'declare c cursor for select upper(name) from t',
  'prepare p as select abs(a) from t where id = $1',
  'begin read only',
  'set search_path = public',
];

const NOT_READS: Array<[sql: string, because: string]> = [
  ['select myschema.lower(name) from t', 'function myschema.lower'],
  ['select public.now()', 'function public.now'],
  ['select my_func(1)', 'function my_func'],
  ['select "LOWER"(name) from t', 'function LOWER'],
  ['select pg_catalog."Lower"(name) from t', 'function pg_catalog.Lower'],
  ['select db.pg_catalog.lower(name) from t', 'function db.pg_catalog.lower'],
  ["select nextval('s')", 'function nextval'],
  ['select txid_current()', 'function txid_current'],
  ["select table_to_xml('t', true, false, '')", 'function table_to_xml'],
  ["select ts_rewrite('a'::tsquery, 'select 1')", 'function ts_rewrite'],
  ['select count(*) filter (where f(a) > 0) from t', 'function f'],
  ['select * from t, lateral my_srf(t.a)', 'function my_srf'],
  ['explain select my_func()', 'function my_func'],
  ['copy (select my_func()) to stdout', 'function my_func'],
  ['declare c cursor for select my_func()', 'function my_func'],
  ['select 1 ### 2', 'operator ###'],
  ['select 1 operator(myschema.+) 2', 'operator myschema.+'],
  ['select * from t order by a using <<<', 'operator <<<'],
  ['select * from t where a !== any(select b from u)', 'operator !=='],
  ['with d as (delete from t returning *) select * from d', 'statement DELETE'],
  ["load 'x'", 'statement LOAD'],
  ['notify c', 'statement NOTIFY'],
  ['select 1 for update', "class 'lock'"],
  ['begin read write', 'read-write transaction'],
  ['set transaction read write', 'read-write transaction'],
  ['set session characteristics as transaction read write', 'read-write transaction'],
  ['set default_transaction_read_only = off', 'read-write transaction'],
];

describe('readOnly: an allow-list of kinds, classes, functions and operators', () => {
  it.each(READS)('%s is read-only', (sql) => {
    const s = only(sql);
    expect(s.notReadOnly).toEqual([]);
    expect(s.readOnly).toBe(true);
  });

  it.each(NOT_READS)('%s is not read-only: %s', (sql, because) => {
    const s = only(sql);
    expect(s.readOnly).toBe(false);
    expect(s.notReadOnly).toContain(because);
  });
});

describe('evaluateGuardrails in a read-only session', () => {
  // Everything of the baseline allowed, so that only read-only speaks.
  const READ_ONLY: GuardrailRules = { readOnly: true, block: [], requireApproval: [], unparseable: 'refuse', allow: BASELINE_BLOCKED_CLASSES };

  it('names the function that is not known to be read-only', () => {
    const d = evaluateGuardrails(analyzeSql('select id, audit.log_access(id) from t'), READ_ONLY);
    expect(d).toMatchObject({ action: 'block', class: 'not_read_only' });
    if (d.action === 'block') expect(d.reason).toBe('SELECT is refused: this session is read-only and the statement is not (function audit.log_access)');
  });

  it('names the statement kinds and classes of a write', () => {
    const d = evaluateGuardrails(analyzeSql('update t set a = 1 where id = 1'), READ_ONLY);
    if (d.action !== 'block') throw new Error('expected a block');
    expect(d.reason).toBe("UPDATE is refused: this session is read-only and the statement is not (statement UPDATE, class 'write', class 'update')");
  });

  it('lets a read with only catalogue functions through', () => {
    expect(evaluateGuardrails(analyzeSql('select lower(name) from t where id = $1'), READ_ONLY)).toEqual({ action: 'allow' });
  });
});
