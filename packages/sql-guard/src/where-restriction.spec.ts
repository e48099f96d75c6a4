// A constant-true WHERE counts as no WHERE (where-restriction.ts): update_without_where and
// delete_without_where for every WHERE that may hold for every row by the rule, and only for those.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';

beforeAll(async () => {
  await initSqlGuard();
});

function unrestricted(sql: string): string[] {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!.classes.filter((c) => c === 'update_without_where' || c === 'delete_without_where');
}

const UPDATE_ALL = ['update_without_where'];
const DELETE_ALL = ['delete_without_where'];

const UNRESTRICTED: Array<[sql: string, classes: string[]]> = [
  // no column of the target outside sublinks
  ['update t set a = 1 where 1 = 1', UPDATE_ALL],
  ["update t set a = 1 where 'a' = 'a'", UPDATE_ALL],
  ['update t set a = 1 where not false', UPDATE_ALL],
  ['update t set a = 1 where null is null', UPDATE_ALL],
  ['update t set a = 1 where (select true)', UPDATE_ALL],
  ['update t set a = 1 where exists (select 1)', UPDATE_ALL],
  ['update t set a = 1 where exists (select 1 from u where u.tid = t.id)', UPDATE_ALL],
  ['update t set a = 1 where $1', UPDATE_ALL],
  ["update t set a = 1 where current_user = 'app'", UPDATE_ALL],
  ["update t set a = 1 where now() > '2000-01-01'", UPDATE_ALL],
  ['update t set a = 1 where (1 = 1) is true', UPDATE_ALL],
  ['update t set a = 1 from u where u.flag', UPDATE_ALL],
  // with FROM/USING, an unqualified column may be another table's: it does not count
  ['update t set a = 1 from u where id = u.tid', UPDATE_ALL],
  ['delete from t using u where u.x = 1', DELETE_ALL],
  // OR: any arm; AND: every arm; NOT: the arm may be always false
  ['update t set a = 1 where true or id = 5', UPDATE_ALL],
  ['update t set a = 1 where id = 5 or 1 = 1', UPDATE_ALL],
  ['update t set a = 1 where (id = 5 or true) and 2 > 1', UPDATE_ALL],
  ['update t set a = 1 where not (id = 5 and false)', UPDATE_ALL],
  ['update t set a = 1 where (id = id) is not false', UPDATE_ALL],
  // an expression compared with itself
  ['update t set a = 1 where id = id', UPDATE_ALL],
  ['update t set a = 1 where t.id = id', UPDATE_ALL],
  ['update t x set a = 1 where x.id = id', UPDATE_ALL],
  ['update t set a = 1 where id is not distinct from id', UPDATE_ALL],
  ['update t set a = 1 where coalesce(id, 0) = coalesce(id, 0)', UPDATE_ALL],
  ['update t set a = 1 where lower(name) >= lower(name)', UPDATE_ALL],
  ['update t set a = 1 where id in (id, 5)', UPDATE_ALL],
  ['update t set a = 1 where $1 = $1', UPDATE_ALL],
  ['delete from s.t where s.t.id = t.id', DELETE_ALL],
  // integers are not compared (the shape cache shares one analysis between their values):
  // an expression against itself with other numbers counts as itself, which fails closed
  ['update t set a = 1 where id + 1 = id + 2', UPDATE_ALL],
  // … and always false counts too (fails closed)
  ['update t set a = 1 where id <> id', UPDATE_ALL],
  ['delete from t where 1 = 1', DELETE_ALL],
  ['delete from t where true or id = 5', DELETE_ALL],
  ['delete from only t where exists (select 1)', DELETE_ALL],
  ['delete from t where id = id', DELETE_ALL],
  ['with d as (delete from t where 1 = 1 returning *) select * from d', DELETE_ALL],
  ['explain analyze delete from t where 1 = 1', DELETE_ALL],
  // MERGE: the join condition and the clause's condition together
  ['merge into t using s on true when matched then delete', DELETE_ALL],
  ['merge into t using s on 1 = 1 when matched then update set a = 1', UPDATE_ALL],
  ['merge into t using s on t.id = t.id when matched then delete', DELETE_ALL],
  ['merge into t using s on t.id = s.id when not matched by source then delete', DELETE_ALL],
  ['merge into t using s on s.id = 1 when matched then update set a = 1 when not matched by source then delete', [...DELETE_ALL, ...UPDATE_ALL]],
];

const RESTRICTED: string[] = [
  'update t set a = 1 where id = 5',
  'update t set a = 1 where id = 5 and true',
  'update t set a = 1 where id = $1',
  'update t set a = 1 where id = any($1)',
  'update t set a = 1 where id in (select tid from u)',
  'update t set a = 1 where not (id = 5)',
  'update t set a = 1 where id = 5 or id = 6',
  'update t set a = 1 where (id = 5) is true',
  'update t set a = 1 where f(id)',
  'update t x set a = 1 where x.id = 5',
  'update s.t set a = 1 where t.id = 5',
  'update t set a = 1 from u where t.id = u.tid',
  'delete from t where current of c',
  'delete from t where deleted_at is not null',
  'delete from t using u where t.id = u.tid',
  'merge into t using s on t.id = s.id when matched then delete',
  'merge into t using s on true when matched and t.archived then delete',
  'merge into t using s on t.id = s.id when not matched by source and t.old then delete',
  'merge into t using s on t.id = s.id when not matched then insert values (s.id)',
  // tautologies over column values: outside the rule (README: a constant-true WHERE)
  'delete from t where id is null or id is not null',
  'delete from t where id > 0 or id <= 0',
];

describe('a WHERE that may hold for every row counts as no WHERE', () => {
  it.each(UNRESTRICTED)('%s → %j', (sql, classes) => {
    expect(unrestricted(sql)).toEqual(classes);
  });

  it.each(RESTRICTED)('%s is restricted', (sql) => {
    expect(unrestricted(sql)).toEqual([]);
  });

  it('fails closed on a WHERE nested deeper than it reads', () => {
    const deep = `update t set a = 1 where ${'not '.repeat(400)}(id = 5)`;
    expect(unrestricted(deep)).toEqual(UPDATE_ALL);
  });
});
