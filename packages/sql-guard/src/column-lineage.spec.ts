import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { StatementLineage } from './column-lineage.js';

beforeAll(() => initSqlGuard());

/** The masked names of these tables, as a policy's column globs would match them. */
const MASKED = new Set(['name', 'card_number']);

function lineageOf(sql: string): StatementLineage {
  const analysis = analyzeSql(sql);
  if (!analysis.ok) throw new Error(analysis.error);
  return analysis.statements[0]!.lineage;
}

/** Per result column: 'M' masked by lineage, '.' not, 'R' a run of unknown length (masked by name), 'R!' a run masked whole. */
function shape(sql: string): string[] | null {
  const { columns } = lineageOf(sql);
  if (!columns) return null;
  return columns.map((c) => {
    const masked = c.opaque || c.sources.some((s) => MASKED.has(s));
    return c.kind === 'run' ? (masked ? 'R!' : 'R') : masked ? 'M' : '.';
  });
}

describe('column lineage', () => {
  it.each<[string, string[]]>([
    ['SELECT id, name FROM customers', ['.', 'M']],
    ['SELECT name AS x, email FROM customers', ['M', '.']],
    ['SELECT upper(name), length(card_number) AS n, id + 1 FROM customers', ['M', 'M', '.']],
    ["SELECT name || '' AS x, 'id ' || id AS y FROM customers", ['M', '.']],
    ["SELECT encode(convert_to(name, 'UTF8'), 'base64') FROM customers", ['M']],
    ['SELECT ROW(id, name) FROM customers', ['M']],
    ['SELECT ROW(id, email) FROM customers', ['.']],
    ['SELECT c FROM customers c', ['M']],
    ['SELECT row_to_json(c) FROM customers c', ['M']],
    ['SELECT row_to_json(c.*) FROM customers c', ['M']],
    ['SELECT (c).name, (c).id FROM customers c', ['M', '.']],
    ['SELECT c.name, c.id FROM customers c', ['M', '.']],
    ['SELECT public.customers.name FROM public.customers', ['M']],
    ['SELECT array_agg(name ORDER BY id), count(*) FROM customers', ['M', '.']],
    ["SELECT string_agg(id::text, ',' ORDER BY name) FROM customers", ['.']],
    ['SELECT lag(name) OVER (ORDER BY id) FROM customers', ['M']],
    ['SELECT x FROM (SELECT name AS x, id FROM customers) s', ['M']],
    ['SELECT id FROM (SELECT name AS x, id FROM customers) s', ['.']],
    ['SELECT s.x FROM (SELECT name AS x, id FROM customers) s', ['M']],
    ['SELECT * FROM (SELECT name AS x, id FROM customers) s', ['M', '.']],
    ['SELECT s.* FROM (SELECT name AS x, id FROM customers) s', ['M', '.']],
    ['SELECT a FROM (SELECT name AS x, id FROM customers) s(a, b)', ['M']],
    ['WITH s AS (SELECT name AS x FROM customers) SELECT * FROM s', ['M']],
    ['WITH s(a, b) AS (SELECT id, name FROM customers) SELECT b, a FROM s', ['M', '.']],
    ['WITH RECURSIVE r(n) AS (SELECT name FROM customers UNION ALL SELECT n FROM r) SELECT n FROM r', ['M']],
    ['SELECT (SELECT name FROM customers ORDER BY id LIMIT 1) AS x', ['M']],
    ['SELECT ARRAY(SELECT name FROM customers)', ['M']],
    ['SELECT EXISTS (SELECT 1 FROM customers WHERE name = $1)', ['.']],
    ["SELECT 'harmless' AS x UNION ALL SELECT name FROM customers", ['M']],
    ['SELECT id, email FROM customers UNION SELECT id, name FROM customers', ['.', 'M']],
    ['SELECT 1 UNION SELECT * FROM customers', ['R!']],
    ['SELECT n FROM customers AS c(i, n)', ['M']],
    ['SELECT i FROM customers AS c(i, n)', ['M']],
    ['SELECT * FROM customers AS c(i, n)', ['R!']],
    ['SELECT * FROM customers', ['R']],
    ['TABLE customers', ['R']],
    ['SELECT id, * FROM customers, orders', ['.', 'R', 'R']],
    ['SELECT x FROM customers, LATERAL (SELECT customers.name AS x) s', ['M']],
    ['SELECT * FROM unnest(ARRAY[(SELECT name FROM customers LIMIT 1)]) u', ['R!']],
    ['SELECT * FROM generate_series(1, 3) g', ['R']],
    ['SELECT name::varchar(100) AS x FROM customers', ['M']],
    ['SELECT CASE WHEN name = $1 THEN 1 ELSE 0 END FROM customers', ['M']],
    ["SELECT table_to_xml('customers', true, false, '')", ['M']],
    ['SELECT xmlelement(name x, name) FROM customers', ['M']],
    ["SELECT json_build_object('n', name) FROM customers", ['M']],
    ['VALUES ((SELECT name FROM customers LIMIT 1), 1)', ['M', '.']],
    ['UPDATE customers SET balance = balance WHERE id > 0 RETURNING name AS x, id', ['M', '.']],
    ['UPDATE customers SET notes = name WHERE id = 1 RETURNING notes', ['M']],
    ['DELETE FROM customers WHERE id = 1 RETURNING *', ['R']],
    ['INSERT INTO log (v) SELECT name FROM customers RETURNING id', ['M']],
    ['EXPLAIN ANALYZE SELECT name FROM customers', ['.']],
    ['SHOW search_path', ['.']],
  ])('%s', (sql, expected) => {
    expect(shape(sql)).toEqual(expected);
  });

  it('has no result shape for statements whose rows are not known here', () => {
    for (const sql of ['FETCH 2 FROM c', 'EXECUTE p(1)', 'CALL p()', 'SELECT name INTO t FROM customers', 'DECLARE c CURSOR FOR SELECT name FROM customers']) expect(shape(sql), sql).toBeNull();
  });

  it('lists every column read, WHERE included, for error messages that may quote one', () => {
    const lineage = lineageOf('SELECT id FROM customers WHERE name::int = 1 ORDER BY card_number');
    expect([...lineage.reads].sort()).toEqual(['card_number', 'id', 'name']);
    expect(lineage.opaque).toBe(false);
    expect(lineageOf('SELECT * FROM customers').opaque).toBe(true);
    expect(lineageOf('SELECT row_to_json(c) FROM customers c').opaque).toBe(true);
  });

  it('says what a statement writes into tables', () => {
    const masked = (sql: string) => {
      const writes = lineageOf(sql).writes;
      return writes === null ? null : writes.opaque || writes.sources.some((s) => MASKED.has(s));
    };
    expect(masked('INSERT INTO t (x) SELECT name FROM customers')).toBe(true);
    expect(masked('CREATE TABLE t AS SELECT upper(name) AS n FROM customers')).toBe(true);
    expect(masked('SELECT card_number INTO t FROM customers')).toBe(true);
    expect(masked("UPDATE customers SET notes = name || '!' WHERE id = 1")).toBe(true);
    expect(masked('INSERT INTO t (x) VALUES (1)')).toBe(false);
    expect(masked('UPDATE customers SET balance = 0 WHERE name = $1')).toBe(false);
    expect(masked('SELECT name FROM customers')).toBeNull();
  });

  it('fails closed on a tree it cannot follow', () => {
    const deep = `SELECT ${Array.from({ length: 3000 }, () => '(').join('')}name${Array.from({ length: 3000 }, () => ')').join('')} FROM customers`;
    const analysis = analyzeSql(deep);
    if (analysis.ok) {
      const [column] = analysis.statements[0]!.lineage.columns ?? [{ kind: 'run', sources: [], opaque: true }];
      expect(column!.opaque || column!.sources.includes('name')).toBe(true);
    }
  });
});
