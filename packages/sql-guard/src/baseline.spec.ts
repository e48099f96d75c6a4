// The built-in baseline: what escapes the database or the session's privileges is blocked
// unless the rules allow its class by name, and ordinary work is not touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_STATEMENTS } from './baseline-cases.fixture.js';
import { DANGEROUS_FUNCTION_PREFIXES, DANGEROUS_FUNCTIONS } from './dangerous-functions.js';
import { evaluateGuardrails } from './guardrails.js';
import type { GuardrailRules } from './sql-analysis.types.js';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import { SINGLE_STATEMENTS } from './statement-cases.fixture.js';
import { BASELINE_BLOCKED_CLASSES, isBaselineClass, STATEMENT_CLASSES, type StatementClass } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

/** Rules that say nothing: only the baseline speaks. */
const SILENT: GuardrailRules = { readOnly: false, block: [], requireApproval: [], unparseable: 'refuse' };

const ROWS = [...SINGLE_STATEMENTS, ...BASELINE_STATEMENTS];
const BASELINE_ROWS = ROWS.filter(([, , classes]) => classes.some(isBaselineClass));

/** Statements of everyday work: no baseline class, allowed with silent rules. */
const ORDINARY = [
  'select * from t where id = 1',
  'insert into t (a) values (1) returning id',
  'update t set a = 1 where id = 2',
  'delete from t where id = 3',
  'merge into t using s on t.id = s.id when matched then update set a = s.a',
  'create table x (id int primary key, v text)',
  'create temp table tmp as select * from t',
  'create index on t (a)',
  'create view v as select * from t',
  'create materialized view m as select count(*) from t',
  "create type mood as enum ('a', 'b')",
  'create type pair as (a int, b int)',
  'create type r as range (subtype = int4)',
  'create domain d as int check (value > 0)',
  'create schema s',
  'create sequence s',
  'create statistics st on a, b from t',
  'alter table t add column c int',
  'alter table t alter column c set not null',
  'drop table x',
  'drop function f(int)',
  'truncate t',
  'comment on table t is $$x$$',
  'vacuum analyze t',
  'reindex table t',
  'refresh materialized view m',
  'begin',
  'commit',
  'savepoint s',
  'set search_path = public',
  'show work_mem',
  'reset all',
  'discard plans',
  'copy t to stdout',
  'copy t from stdin',
  'listen c',
  "notify c, 'x'",
  'lock table t',
  'call p(1)',
  "select nextval('s')",
  'prepare p as select 1',
  'execute p',
  'declare c cursor for select 1',
  'fetch 1 from c',
  'explain select * from t',
  'select pg_sleep(1), now(), random()',
];

function allowing(...allow: StatementClass[]): GuardrailRules {
  return { ...SILENT, allow };
}

describe('the baseline', () => {
  it('is a duplicate-free list of classes, without the dangerous_function umbrella', () => {
    expect(new Set(BASELINE_BLOCKED_CLASSES).size).toBe(BASELINE_BLOCKED_CLASSES.length);
    expect(BASELINE_BLOCKED_CLASSES.every((c) => (STATEMENT_CLASSES as readonly string[]).includes(c))).toBe(true);
    expect(isBaselineClass('dangerous_function')).toBe(false);
    expect(isBaselineClass('ddl')).toBe(false);
  });

  it('has every class in at least one table row', () => {
    const seen = new Set(BASELINE_ROWS.flatMap(([, , classes]) => classes));
    expect(BASELINE_BLOCKED_CLASSES.filter((c) => !seen.has(c))).toEqual([]);
  });

  it.each(BASELINE_ROWS)('blocks %s when nothing allows it', (sql, _command, classes) => {
    const first = classes.find(isBaselineClass)!;
    const d = evaluateGuardrails(analyzeSql(sql), SILENT);
    expect(d).toMatchObject({ action: 'block', class: first });
    if (d.action === 'block') expect(d.reason).toMatch(/blocked by the built-in baseline.*sql\.allow/);
  });

  it.each(BASELINE_ROWS)('lets %s through when every baseline class it carries is allowed, and not when one is missing', (sql, _command, classes) => {
    const baseline = classes.filter(isBaselineClass);
    expect(evaluateGuardrails(analyzeSql(sql), allowing(...baseline))).toEqual({ action: 'allow' });
    const last = baseline[baseline.length - 1]!;
    expect(evaluateGuardrails(analyzeSql(sql), allowing(...baseline.filter((c) => c !== last)))).toMatchObject({ action: 'block', class: last });
  });

  it.each(ORDINARY)('leaves %s alone', (sql) => {
    const a = analyzeSql(sql);
    if (!a.ok) throw new Error(a.error);
    expect(a.statements.flatMap((s) => s.classes).filter(isBaselineClass)).toEqual([]);
    expect(evaluateGuardrails(a, SILENT)).toEqual({ action: 'allow' });
  });

  it('keeps an explicit block even where the class is allowed, and names the block list', () => {
    const rules: GuardrailRules = { ...SILENT, block: ['copy_to_program'], allow: ['copy_to_program'] };
    const d = evaluateGuardrails(analyzeSql("copy t to program 'sh'"), rules);
    expect(d).toMatchObject({ action: 'block', class: 'copy_to_program', reason: "COPY is blocked: class 'copy_to_program' is in the block list" });
  });

  it('is applied in every statement of a string', () => {
    expect(evaluateGuardrails(analyzeSql('select 1; select lo_get(16384)'), SILENT)).toMatchObject({ action: 'block', class: 'large_object' });
  });

  it('gives every dangerous function a baseline class of its own', () => {
    const names = [...DANGEROUS_FUNCTIONS, ...DANGEROUS_FUNCTION_PREFIXES.map((p) => `${p}_anything`)];
    const missing = names.filter((name) => {
      const a = analyzeSql(`select ${name}()`);
      return !a.ok || !a.statements[0]!.classes.some(isBaselineClass);
    });
    expect(missing).toEqual([]);
  });

  it.each([
    ['plpgsql', false],
    ['sql', false],
    ['plperl', false],
    ['pltcl', false],
    ['plperlu', true],
    ['plpython3u', true],
    ['c', true],
    ['internal', true],
    ['"PLPGSQL"', true],
  ])('a function in language %s is class language: %s', (language, untrusted) => {
    const a = analyzeSql(`create function f() returns int language ${language} as 'x'`);
    expect(a.ok && a.statements[0]!.classes.includes('language')).toBe(untrusted);
  });
});
