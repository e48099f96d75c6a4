import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';

beforeAll(() => initSqlGuard());

function objectsOf(sql: string) {
  const analysis = analyzeSql(sql);
  if (!analysis.ok) throw new Error(analysis.error);
  return analysis.statements.map((s) => s.objects);
}

describe('session objects', () => {
  it('PREPARE keeps the stored statement judged on its own, with its lineage', () => {
    const [objects] = objectsOf('PREPARE d(int) AS DELETE FROM items WHERE id = $1');
    expect(objects?.prepares?.name).toBe('d');
    expect(objects?.prepares?.statement).toMatchObject({ command: 'DELETE', classes: expect.arrayContaining(['delete']), readOnly: false });
    const [select] = objectsOf('PREPARE "Q" AS SELECT name AS x FROM customers');
    expect(select?.prepares?.name).toBe('Q');
    expect(select?.prepares?.statement.lineage.columns).toEqual([{ kind: 'column', sources: ['name'], opaque: false }]);
  });

  it('finds every EXECUTE, also inside EXPLAIN ANALYZE and CREATE TABLE AS', () => {
    expect(objectsOf('EXECUTE p1(5)')).toEqual([{ executes: ['p1'] }]);
    expect(objectsOf('EXPLAIN ANALYZE EXECUTE p2')).toEqual([{ executes: ['p2'] }]);
    expect(objectsOf('CREATE TABLE t AS EXECUTE p3')).toEqual([{ executes: ['p3'] }]);
    expect(objectsOf('SELECT 1')).toEqual([undefined]);
  });

  it('DEALLOCATE, DECLARE, FETCH, MOVE, CLOSE and DISCARD ALL', () => {
    expect(objectsOf('DEALLOCATE p; DEALLOCATE ALL; DEALLOCATE PREPARE q')).toEqual([{ deallocates: 'p' }, { deallocates: '*' }, { deallocates: 'q' }]);
    const [declare] = objectsOf('DECLARE c1 CURSOR WITH HOLD FOR SELECT name FROM customers');
    expect(declare?.declares).toMatchObject({ name: 'c1', hold: true, statement: { command: 'SELECT' } });
    expect(objectsOf('DECLARE c2 SCROLL CURSOR FOR SELECT 1')[0]?.declares?.hold).toBe(false);
    expect(objectsOf('FETCH 2 FROM c1; MOVE LAST IN c1; FETCH c1')).toEqual([{ fetches: 'c1' }, { fetches: 'c1' }, { fetches: 'c1' }]);
    expect(objectsOf('CLOSE c1; CLOSE ALL')).toEqual([{ closes: 'c1' }, { closes: '*' }]);
    expect(objectsOf('DISCARD ALL; DISCARD PLANS')).toEqual([{ discardsAll: true }, undefined]);
  });
});
