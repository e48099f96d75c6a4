import { describe, expect, it } from 'vitest';
import { analyzeBigQuerySql } from './sql-analysis.js';
import { tokenizeSql } from './sql-tokenizer.js';

const ctx = { projectId: 'acme', defaultDataset: { projectId: 'acme', datasetId: 'main' } };
const noDefault = { projectId: 'acme' };

describe('tokenizeSql', () => {
  it.each([
    [`SELECT 'a;b' AS x`, ['SELECT', "'a;b'", 'AS', 'x']],
    [`SELECT """multi\nline ; """ , r'\\'' , b"x", RB'''y'''`, ['SELECT', '"""multi\nline ; """', ',', "r'\\''", ',', 'b"x"', ',', "RB'''y'''"]],
    ['SELECT 1 -- drop table x\n# also a comment\n/* ; */ FROM `p-1.d.t`', ['SELECT', '1', 'FROM', 'p-1.d.t']],
    ['SELECT @p, @@project_id, ?, 1.5e-3, .5', ['SELECT', '@p', ',', '@@project_id', ',', '?', ',', '1.5e-3', ',', '.5']],
    ['FROM ds.2024_sales', ['FROM', 'ds', '.', '2024_sales']],
    ['SELECT `a\\`b`', ['SELECT', 'a`b']],
  ])('%s', (sql, texts) => {
    const r = tokenizeSql(sql);
    expect(r.error).toBeUndefined();
    expect(r.tokens.map((t) => t.text)).toEqual(texts);
  });

  it.each([`SELECT 'abc`, 'SELECT `abc', 'SELECT /* x', `SELECT 'a\nb'`, `SELECT '''abc''`])('reports an unterminated token in %j', (sql) => {
    expect(tokenizeSql(sql).error).toBeDefined();
  });
});

type Row = [string, string[], string[], string[]];

describe('analyzeBigQuerySql: classes and tables', () => {
  const cases: Row[] = [
    ['SELECT name FROM finance.invoices LIMIT 10', ['select'], ['acme.finance.invoices'], []],
    ['SELECT * FROM `other-proj.sales.orders` o JOIN sales.customers c ON o.c = c.id', ['select'], ['other-proj.sales.orders', 'acme.sales.customers'], []],
    ['SELECT * FROM my-project-1.ds.t, ds.u', ['select'], ['my-project-1.ds.t', 'acme.ds.u'], []],
    ['SELECT * FROM `p`.ds.`t`', ['select'], ['p.ds.t'], []],
    ['WITH a AS (SELECT * FROM ds.x), b AS (SELECT * FROM a) SELECT * FROM b JOIN a USING (id)', ['select'], ['acme.ds.x'], []],
    ['SELECT * FROM t', ['select'], ['acme.main.t'], []],
    ['SELECT o.id, item FROM ds.orders o, o.items AS item', ['select'], ['acme.ds.orders'], []],
    ['SELECT * FROM ds.orders o CROSS JOIN UNNEST(o.items) AS i', ['select'], ['acme.ds.orders'], []],
    ['SELECT EXTRACT(YEAR FROM ts), a IS DISTINCT FROM b FROM ds.t', ['select'], ['acme.ds.t'], []],
    ['SELECT * EXCEPT (x) FROM ds.t WHERE id IN (SELECT id FROM ds.u)', ['select'], ['acme.ds.t', 'acme.ds.u'], []],
    ['SELECT 1 FROM ds.a UNION ALL SELECT 2 FROM ds.b', ['select'], ['acme.ds.a', 'acme.ds.b'], []],
    ['SELECT * FROM `ds.events_*` WHERE _TABLE_SUFFIX > "2024"', ['select'], ['acme.ds.events_*'], []],
    ['SELECT * FROM `ds.t$20240101`', ['select'], ['acme.ds.t'], []],
    ['SELECT * FROM ds.t FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()', ['select'], ['acme.ds.t'], []],
    ['SELECT * FROM region-us.INFORMATION_SCHEMA.JOBS', ['select'], ['acme.region-us.INFORMATION_SCHEMA.JOBS'], []],
    ['SELECT * FROM ML.PREDICT(MODEL ds.m, (SELECT * FROM ds.input))', ['select'], ['acme.ds.m', 'acme.ds.input'], []],
    ['SELECT * FROM APPENDS(TABLE ds.t, NULL, NULL)', ['select'], ['acme.ds.t'], []],
    ['SELECT * FROM ds.my_tvf(1)', ['select'], ['acme.ds.my_tvf'], []],
    ['FROM ds.t |> WHERE x > 1 |> JOIN ds.u USING (id)', ['select'], ['acme.ds.t', 'acme.ds.u'], []],
    ['INSERT INTO ds.t (a) SELECT a FROM ds.s', ['insert'], ['acme.ds.s'], ['acme.ds.t']],
    ['INSERT ds.t VALUES (1)', ['insert'], [], ['acme.ds.t']],
    ['UPDATE ds.t SET a = 1 FROM ds.s WHERE t.id = s.id', ['update'], ['acme.ds.s'], ['acme.ds.t']],
    ['DELETE FROM ds.t WHERE id IN (SELECT id FROM ds.gone)', ['delete'], ['acme.ds.gone'], ['acme.ds.t']],
    ['DELETE ds.t WHERE true', ['delete'], [], ['acme.ds.t']],
    ['MERGE INTO ds.t T USING ds.s S ON T.id = S.id WHEN MATCHED THEN UPDATE SET a = S.a WHEN NOT MATCHED THEN INSERT (a) VALUES (S.a)', ['merge'], ['acme.ds.s'], ['acme.ds.t']],
    ['TRUNCATE TABLE ds.t', ['truncate'], [], ['acme.ds.t']],
    ['CREATE OR REPLACE TABLE scratch.x AS SELECT * FROM finance.y', ['create'], ['acme.finance.y'], ['acme.scratch.x']],
    ['CREATE TABLE IF NOT EXISTS scratch.x (a INT64, b STRUCT<c STRING>) PARTITION BY DATE(ts)', ['create'], [], ['acme.scratch.x']],
    ['CREATE TABLE scratch.x CLONE finance.y', ['create'], ['acme.finance.y'], ['acme.scratch.x']],
    ['CREATE MATERIALIZED VIEW ds.v AS SELECT a FROM ds.t', ['create'], ['acme.ds.t'], ['acme.ds.v']],
    ['CREATE SCHEMA scratch2', ['create'], [], ['acme.scratch2.*']],
    ['CREATE SEARCH INDEX idx ON ds.t(ALL COLUMNS)', ['create'], [], ['acme.ds.t']],
    ['CREATE TEMP FUNCTION f(x INT64) AS (x + 1); SELECT f(1)', ['create', 'select'], [], []],
    ['CREATE TEMP TABLE tmp AS SELECT * FROM ds.t; SELECT * FROM tmp; DROP TABLE tmp', ['create', 'select', 'drop'], ['acme.ds.t'], []],
    ['DROP TABLE IF EXISTS ds.t', ['drop'], [], ['acme.ds.t']],
    ['DROP SNAPSHOT TABLE ds.s', ['drop'], [], ['acme.ds.s']],
    ['DROP SCHEMA IF EXISTS other.ds CASCADE', ['drop'], [], ['other.ds.*']],
    ['DROP ALL ROW ACCESS POLICIES ON ds.t', ['drop'], [], ['acme.ds.t']],
    ['ALTER TABLE ds.t RENAME TO u', ['alter'], [], ['acme.ds.t', 'acme.ds.u']],
    ['ALTER TABLE ds.t ADD COLUMN x STRING', ['alter'], [], ['acme.ds.t']],
    ['GRANT `roles/bigquery.dataViewer` ON TABLE ds.t TO "user:a@b.c"', ['grant'], [], ['acme.ds.t']],
    ['REVOKE `roles/bigquery.dataViewer` ON SCHEMA ds FROM "user:a@b.c"', ['revoke'], [], ['acme.ds.*']],
    ["EXPORT DATA OPTIONS (uri = 'gs://b/*.csv', format = 'CSV') AS SELECT * FROM ds.t", ['export'], ['acme.ds.t'], []],
    ["LOAD DATA INTO ds.t FROM FILES (format = 'CSV', uris = ['gs://b/x.csv'])", ['load'], [], ['acme.ds.t']],
    ['DECLARE n INT64 DEFAULT (SELECT COUNT(*) FROM ds.t); SET n = n + 1', ['script'], ['acme.ds.t'], []],
    ['BEGIN SELECT 1 FROM ds.a; DELETE FROM ds.b WHERE true; END', ['script', 'select', 'delete'], ['acme.ds.a'], ['acme.ds.b']],
    ['IF EXISTS (SELECT 1 FROM ds.c) THEN DROP TABLE ds.d; ELSE SELECT 1; END IF', ['script', 'drop', 'select'], ['acme.ds.c'], ['acme.ds.d']],
    ['WHILE n > 0 DO SET n = n - 1; END WHILE', ['script'], [], []],
    ['FOR r IN (SELECT x FROM ds.t) DO INSERT ds.u VALUES (r.x); END FOR', ['script', 'insert'], ['acme.ds.t'], ['acme.ds.u']],
    ['lbl: LOOP LEAVE lbl; END LOOP lbl', ['script'], [], []],
    ['BEGIN TRANSACTION; COMMIT TRANSACTION', ['script'], [], []],
    ['SELECT 1;;  ;', ['select'], [], []],
    ['(SELECT a FROM ds.x) UNION ALL (SELECT a FROM ds.y)', ['select'], ['acme.ds.x', 'acme.ds.y'], []],
  ];
  it.each(cases)('%s', (sql, classes, read, written) => {
    const a = analyzeBigQuerySql(sql, ctx);
    expect(a.unknown).toEqual([]);
    expect(a.unresolved).toEqual([]);
    expect(a.classes).toEqual(classes);
    expect(a.tables.read).toEqual(read);
    expect(a.tables.written).toEqual(written);
  });
});

describe('analyzeBigQuerySql: what it cannot see', () => {
  it.each([
    ["EXECUTE IMMEDIATE 'DROP TABLE ds.t'", 'EXECUTE IMMEDIATE'],
    ["SELECT 'unterminated", 'unterminated string literal'],
    ['SELECT * FROM (SELECT 1', 'brackets left open'],
    ['VACUUM ds.t', 'not recognised'],
    ['IF x', 'THEN'],
  ])('%s is unknown', (sql, why) => {
    const a = analyzeBigQuerySql(sql, ctx);
    expect(a.classes).toContain('unknown');
    expect(a.unknown.join(' ')).toContain(why);
  });

  it.each([
    ['SELECT * FROM t', noDefault, 'no default dataset'],
    ['CALL ds.proc()', ctx, 'CALL'],
    ['SELECT * FROM a.b.c.d', ctx, 'too many parts'],
    ['CREATE RESERVATION r', ctx, 'not a dataset'],
  ])('%s leaves tables unresolved', (sql, context, why) => {
    expect(analyzeBigQuerySql(sql, context).unresolved.join(' ')).toContain(why);
  });

  it('never hides a read: an outer alias inside a subquery is taken as a table', () => {
    // BigQuery reads the table secret.salaries here: `secret` is not in scope at the outer level.
    const a = analyzeBigQuerySql('SELECT * FROM (SELECT 1 FROM ds.t AS secret), secret.salaries', ctx);
    expect(a.tables.read).toContain('acme.secret.salaries');
    const b = analyzeBigQuerySql('SELECT 1 FROM ds.t AS s UNION ALL SELECT 1 FROM s.x', ctx);
    expect(b.tables.read).toContain('acme.s.x');
    const c = analyzeBigQuerySql('SELECT * FROM (WITH secret AS (SELECT 1) SELECT * FROM secret), secret', ctx);
    expect(c.tables.read).toContain('acme.main.secret');
  });

  it('does not mistake strings, comments and quoted identifiers for SQL', () => {
    const a = analyzeBigQuerySql("SELECT 'DROP TABLE ds.x; DELETE FROM ds.y' AS s, `drop` FROM ds.t -- ; DROP TABLE ds.z", ctx);
    expect(a.classes).toEqual(['select']);
    expect(a.tables).toEqual({ read: ['acme.ds.t'], written: [] });
  });
});

describe('analyzeBigQuerySql: statements GoogleSQL sees, whatever hides them', () => {
  // Each hides a second statement from a reader that does not follow GoogleSQL's lexer.
  it.each([
    ['a -- comment ended by a lone CR', 'SELECT 1 -- note\r; DROP TABLE ds.t', 'drop'],
    ['a # comment ended by a lone CR', 'SELECT 1 # note\r; DELETE FROM ds.t WHERE true', 'delete'],
    ['a -- comment ended by CRLF', 'SELECT 1 -- note\r\n; TRUNCATE TABLE ds.t', 'truncate'],
    ['a statement after a no-break space', 'SELECT 1;\u00a0DROP TABLE ds.t', 'drop'],
    ['a statement after a vertical tab', 'SELECT 1;\vDROP TABLE ds.t', 'drop'],
    ['a statement after a backspace', 'SELECT 1;\bDROP TABLE ds.t', 'drop'],
  ])('%s', (_name, sql, cls) => {
    const a = analyzeBigQuerySql(sql, ctx);
    expect(a.unknown).toEqual([]);
    expect(a.classes).toEqual(['select', cls]);
    expect(a.tables.written).toEqual(['acme.ds.t']);
  });

  it('reads a quoted table name with its escapes decoded, as BigQuery does', () => {
    const a = analyzeBigQuerySql('SELECT * FROM `fin\\x61nce.inv\\u006fices`', ctx);
    expect(a.unknown).toEqual([]);
    expect(a.tables.read).toEqual(['acme.finance.invoices']);
  });

  it('refuses a quoted name whose escape could split it into other parts', () => {
    // With defaultDataset finance, a reader that drops the escape sees finance.secretx2esalaries.
    const a = analyzeBigQuerySql('SELECT * FROM `secret\\x2esalaries`', { projectId: 'acme', defaultDataset: { projectId: 'acme', datasetId: 'finance' } });
    expect(a.classes).toContain('unknown');
    expect(a.tables.read).toEqual([]);
  });

  it.each([
    ['a ; inside parentheses', 'SELECT (1; DROP TABLE ds.t)'],
    ['a ; inside brackets', 'SELECT [1; DROP TABLE ds.t]'],
    ['an unbalanced )', 'SELECT 1); DROP TABLE ds.t'],
    ['mismatched brackets', 'SELECT (1]; DROP TABLE ds.t'],
    ['an invalid escape', "SELECT '\\q'; DROP TABLE ds.t"],
    ['a character the lexer refuses', 'SELECT 1 $ 2; DROP TABLE ds.t'],
  ])('refuses what it cannot split for sure: %s', (_name, sql) => {
    const a = analyzeBigQuerySql(sql, ctx);
    expect(a.classes).toEqual(['unknown']);
    expect(a.unknown).toHaveLength(1);
  });
});
