/**
 * A small LRU keyed by string, bounded by entry count and by the summed length of the keys
 * (the analyses are a small multiple of their SQL text). Map keeps insertion order, so the
 * first key is the least recently used.
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  private totalKeyLength = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxTotalKeyLength: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxTotalKeyLength) return;
    if (this.map.delete(key)) this.totalKeyLength -= key.length;
    this.map.set(key, value);
    this.totalKeyLength += key.length;
    while (this.map.size > this.maxEntries || this.totalKeyLength > this.maxTotalKeyLength) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
      this.totalKeyLength -= oldest.length;
    }
  }

  clear(): void {
    this.map.clear();
    this.totalKeyLength = 0;
  }
}
