// Class tables: one statement each. Behaviour across statements, errors and the cache
// is in sql-analyzer.spec.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { StatementInfo } from './sql-analysis.types.js';
import { BASELINE_STATEMENTS } from './baseline-cases.fixture.js';
import { SINGLE_STATEMENTS } from './statement-cases.fixture.js';
import { STATEMENT_CLASSES } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

function only(sql: string): StatementInfo {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql.slice(0, 80)}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!;
}

const SINGLE = [...SINGLE_STATEMENTS, ...BASELINE_STATEMENTS];

describe('analyzeSql: one statement', () => {
  it.each(SINGLE)('%s → %s', (sql, command, classes, readOnly) => {
    const s = only(sql);
    expect(s.command).toBe(command);
    expect(s.classes).toEqual(classes);
    expect(s.readOnly).toBe(readOnly);
    expect(s.notReadOnly.length === 0).toBe(readOnly);
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
