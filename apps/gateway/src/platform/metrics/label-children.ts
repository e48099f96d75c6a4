// Label children of a metric, looked up once per label set: on hot paths (a statement, an HTTP
// request) prom-client's labelled inc()/observe() showed in the profiles (bench/README.md).
import type { Counter, Histogram } from 'prom-client';

export class LabelChildren<M extends Counter<string> | Histogram<string>> {
  private readonly children = new Map<string, ReturnType<M['labels']>>();

  constructor(private readonly metric: M) {}

  of(...values: string[]): ReturnType<M['labels']> {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = this.metric.labels(...values) as ReturnType<M['labels']>;
      this.children.set(key, child);
    }
    return child;
  }
}
