// The shape cache (numeric-shape.ts) must give exactly what a parse gives. The corpus is every
// statement of the classifier's table plus statements where integers sit in every place the
// grammar puts them; each is analysed with some numbers, then with others, through the cache
// and afresh.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericShapeKey, singleStatementText } from './numeric-shape.js';
import { analyzeSql, clearSqlGuardCache, initSqlGuard } from './sql-analyzer.js';
import { BASELINE_STATEMENTS } from './baseline-cases.fixture.js';
import { SINGLE_STATEMENTS } from './statement-cases.fixture.js';

beforeAll(async () => {
  await initSqlGuard();
});

const NUMERIC_PLACES = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 83421;',
  'UPDATE pgbench_accounts SET abalance = abalance + -2954 WHERE aid = 12345;',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (4, 1, 12345, -2954, CURRENT_TIMESTAMP);',
  'select * from t where a in (1, 2, 3) order by 2 desc limit 10 offset 20',
  'select a[1], b::varchar(10), c::numeric(10, 2) from t group by 1 having count(*) > 5',
  'fetch 5 from c',
  'move 3 in c',
  'explain (analyze 1) delete from t where id = 4',
  'explain (analyze 0) delete from t',
  'delete from t where 1 = 1',
  'update t set a = 1 where 0 = 0',
  'select pg_sleep(1)',
  'select pg_terminate_backend(4242)',
  'select lo_unlink(16384)',
  'select set_config(1, 2, true)',
  'set statement_timeout = 0',
  'set work_mem = 64',
  'alter table t alter column c set statistics 100',
  'create sequence s increment 5 start 10',
  'create table x (id int, v varchar(20), n numeric(8, 3))',
  'select -1 + 2 * 3 / 4 % 5 ^ 6',
  'vacuum (parallel 2) t',
  'select * from generate_series(1, 100) g',
  'prepare p as select * from t where a = 1',
  'execute p(1, 2)',
  'with d as (delete from t where id = 7 returning *) select * from d',
  'copy (select 1) to stdout',
  'lock table t in access exclusive mode nowait',
  'select 1 for update of t skip locked',
  // facts that must not depend on a number: self-comparisons, read-only-ness set by name, operators
  'update t set a = 1 where id + 1 = id + 2',
  'update t set a = 1 where id in (id, 5) or 3 = 4',
  'delete from t where 1 = 2 or id = 3',
  'delete from t where not (id = 5 and 6 = 7)',
  'merge into t using s on t.id = 1 when matched then delete',
  'merge into t using s on 1 = 1 when matched then update set a = 2',
  'set transaction_read_only = 0',
  'set default_transaction_read_only = 1',
  'set default_transaction_read_only to 0',
  'set statement_timeout to 1000',
  'begin read write',
  'select 1 ### 2, 3 operator(pg_catalog.+) 4',
  'select abs(-5), round(1, 2), random() * 10',
];

const CORPUS = [...SINGLE_STATEMENTS.map(([sql]) => sql), ...BASELINE_STATEMENTS.map(([sql]) => sql), ...NUMERIC_PLACES];

/** The same text with each standalone integer replaced by the next of `values`. */
function renumber(sql: string, values: readonly string[]): string {
  let i = 0;
  return sql.replace(/(?<![A-Za-z0-9_$.])\d{1,9}(?![A-Za-z0-9_$.])/g, () => values[i++ % values.length]!);
}

const numberText = fc.oneof(fc.integer({ min: 0, max: 999_999_999 }).map(String), fc.constantFrom('0', '00', '007', '1', '999999999', '2147483647'.slice(0, 9)));

describe('numericShapeKey', () => {
  it('gives statements that differ only in integer literals one key', () => {
    const a = numericShapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 83421;');
    expect(a).toBeDefined();
    expect(numericShapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 7;')).toBe(a);
    expect(numericShapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 7')).not.toBe(a);
    expect(numericShapeKey('SELECT abalance FROM pgbench_accounts WHERE aid > 7;')).not.toBe(a);
  });

  it.each([
    ["select '1; drop table t'"],
    ['select "1" from t'],
    ['select $$1$$'],
    ['select $1'],
    ['select 1 -- 2\n; drop table t'],
    ['select 1 /* ; drop table t */'],
    ['select 1; drop table t'],
    ['select 1;;'],
    [';'],
    ['select e\\x31'],
    ['select 1 from tâble'],
    ['select 1\u0000'],
    [`select ${'1 + '.repeat(1100)}1`],
  ])('has no key for %j: outside the subset it is sure of', (sql) => {
    expect(numericShapeKey(sql)).toBeUndefined();
  });

  it.each([['select t1 from t2'], ['select 1.5'], ['select .5'], ['select 1e5'], ['select 0x1f'], ['select 1_000'], ['select 1234567890']])(
    'keeps %j as it is: digits that touch a letter, `_`, `.` or are too long for an int4',
    (sql) => {
      expect(numericShapeKey(sql)).toBe(sql);
    },
  );

  it('strips what the parser strips from a single statement', () => {
    expect(singleStatementText('  select 1 ;  ')).toBe('select 1');
    expect(singleStatementText('select 1')).toBe('select 1');
  });
});

describe('analyzeSql through the shape cache', () => {
  it('answers a statement with other numbers from the cache, with its own text', () => {
    clearSqlGuardCache();
    const first = analyzeSql('SELECT abalance FROM pgbench_accounts WHERE aid = 83421;');
    const second = analyzeSql('SELECT abalance FROM pgbench_accounts WHERE aid = 5;');
    if (!first.ok || !second.ok) throw new Error('expected both to parse');
    // The same frozen arrays: the second came from the cache, not from a parse.
    expect(second.statements[0]!.classes).toBe(first.statements[0]!.classes);
    expect(second.statements[0]!.text).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = 5');
    expect(Object.isFrozen(second) && Object.isFrozen(second.statements[0])).toBe(true);
  });

  it('gives what a parse gives, for every statement of the corpus with any numbers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(numberText, { minLength: 1, maxLength: 6 }), fc.array(numberText, { minLength: 1, maxLength: 6 }), (sql, before, after) => {
        const primed = renumber(sql, before);
        const asked = renumber(sql, after);
        clearSqlGuardCache();
        analyzeSql(primed);
        const throughCache = analyzeSql(asked);
        clearSqlGuardCache();
        expect(throughCache).toEqual(analyzeSql(asked));
      }),
      { numRuns: 1500 },
    );
  });

  it('caches by shape most of the corpus (the test above is not vacuous)', () => {
    const cached = CORPUS.filter((sql) => {
      clearSqlGuardCache();
      const first = analyzeSql(renumber(sql, ['1']));
      const second = analyzeSql(renumber(sql, ['22']));
      return first.ok && second.ok && second.statements[0]?.classes === first.statements[0]?.classes;
    });
    expect(cached.length).toBeGreaterThan(CORPUS.length * 0.6);
    expect(cached).toContain(NUMERIC_PLACES[0]);
  });
});
