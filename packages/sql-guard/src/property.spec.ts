import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateGuardrails } from './guardrails.js';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { GuardrailRules } from './sql-analysis.types.js';
import { isStatementClass, STATEMENT_CLASSES } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

const RULES: GuardrailRules[] = [
  { readOnly: true, block: [], requireApproval: [], unparseable: 'refuse' },
  { readOnly: false, block: ['drop'], requireApproval: ['ddl', 'write'], unparseable: 'flag' },
];

/** Fragments that make random strings look like SQL often enough to reach the classifier. */
const fragment = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('select ', 'delete from t', ' where ', ';', '$$', "'", '--', '/*', '*/', '(', ')', 'with x as (', 'pg_read_file(', 'set role ', 'copy t to ', 'explain analyze ', 'prepare p as ', '1', ' t '),
);
const sqlLike = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));

describe('analyzeSql/evaluateGuardrails never throw', () => {
  it('on random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), sqlLike), (sql) => {
        const a = analyzeSql(sql);
        if (a.ok) {
          for (const s of a.statements) {
            expect(s.classes.length).toBeGreaterThan(0);
            expect(s.classes.every(isStatementClass)).toBe(true);
            if (s.classes.includes('dangerous_function')) expect(s.readOnly).toBe(false);
            expect(s.readOnly).toBe(s.notReadOnly.length === 0);
            if (s.readWrite) expect(s.readOnly).toBe(false);
          }
        } else {
          expect(typeof a.error).toBe('string');
        }
        for (const rules of RULES) evaluateGuardrails(a, rules);
      }),
      { numRuns: 3000, interruptAfterTimeLimit: 4000 },
    );
  });

  it('STATEMENT_CLASSES is closed and duplicate-free', () => {
    expect(new Set(STATEMENT_CLASSES).size).toBe(STATEMENT_CLASSES.length);
    expect(isStatementClass('read')).toBe(true);
    expect(isStatementClass('READ')).toBe(false);
    expect(isStatementClass(undefined)).toBe(false);
  });
});
