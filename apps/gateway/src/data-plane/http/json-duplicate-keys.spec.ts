import { describe, expect, it } from 'vitest';
import { hasDuplicateKey } from './json-duplicate-keys.js';

describe('hasDuplicateKey', () => {
  it.each([
    ['{"a": 1, "a": 2}', true],
    ['{"a": 1, "\\u0061": 2}', true],
    ['{"x": {"a": 1, "b": {"a": 2}}, "y": [{"a": 1}, {"a": 2}]}', false],
    ['[{"a": 1, "b": 2, "a": 3}]', true],
    ['{"a": "{\\"a\\": 1, \\"a\\": 2}"}', false],
    ['{"a": [1, 2], "b": {"c": 3}, "a\\"": 4}', false],
    ['{"a": {}, "b": [], "c": {"d": [{}, {"e": 1, "e": 2}]}}', true],
    ['"a"', false],
    ['12', false],
  ])('%s → %s', (text, expected) => {
    expect(hasDuplicateKey(text)).toBe(expected);
  });

  it('finds no duplicate in what JSON.stringify writes, and the one added around it', () => {
    const values: unknown[] = [{ a: { a: { a: 1 } } }, [{ a: 1 }, { a: 1 }], { 'a"': 1, a: '"a"' }, { '\\': { '\u0000': [] } }, { é: 1, e: 2 }, [], {}, null, 'x', [[[{}]]]];
    for (const value of values) {
      const text = JSON.stringify(value);
      expect(hasDuplicateKey(text), text).toBe(false);
      expect(hasDuplicateKey(`{"k": ${text}, "k": 1}`), text).toBe(true);
      expect(hasDuplicateKey(`[${text}, {"k": 1, "j": ${text}}]`), text).toBe(false);
    }
  });
});
