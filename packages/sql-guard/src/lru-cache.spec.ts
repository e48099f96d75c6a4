import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used entry past the entry bound', () => {
    const c = new LruCache<number>(2, 1000);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
  });

  it('evicts past the total key length bound and skips keys over it', () => {
    const c = new LruCache<number>(100, 10);
    c.set('aaaa', 1);
    c.set('bbbb', 2);
    c.set('cccc', 3);
    expect(c.size).toBe(2);
    expect(c.get('aaaa')).toBeUndefined();
    c.set('x'.repeat(11), 4);
    expect(c.get('x'.repeat(11))).toBeUndefined();
    expect(c.size).toBe(2);
  });
});
