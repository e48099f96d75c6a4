import { DETECTOR_INDEX } from './detectors.js';

/**
 * When two detections overlap they are merged into one span (so no part of either survives),
 * labelled by the one that starts first, then the longer, then the higher priority below:
 * secrets before personal data.
 */
const PRIORITY: readonly number[] = (() => {
  const order = ['gcp_private_key', 'jwt', 'gcp_api_key', 'payment_card', 'national_id', 'email', 'phone'] as const;
  const byIndex: number[] = [];
  order.forEach((name, rank) => {
    byIndex[DETECTOR_INDEX[name]] = rank;
  });
  return byIndex;
})();

/**
 * Detected spans of one scan, in reusable parallel arrays: a scan that finds nothing allocates
 * nothing, and one that does reuses the arrays of the previous scan. Not shared across
 * concurrent scans (scans are synchronous, one list per masker).
 */
const INSERTION_SORT_MAX = 32;

export class SpanList {
  length = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly detectors: number[] = [];
  /** After `normalize`: bit set of the detectors that were merged into each span. */
  readonly merged: number[] = [];
  /** After `normalize`: whether a span is exactly one detection (partial replacement allowed). */
  readonly pure: boolean[] = [];

  reset(): void {
    this.length = 0;
  }

  push(start: number, end: number, detector: number): void {
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.detectors[i] = detector;
  }

  /** Sorts by (start, longer first, priority) and merges overlapping spans in place. */
  normalize(): void {
    const n = this.length;
    if (n > INSERTION_SORT_MAX) this.sortLarge();
    else this.insertionSort();
    let out = -1;
    for (let i = 0; i < n; i++) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      const d = this.detectors[i]!;
      if (out >= 0 && s < this.ends[out]!) {
        if (e > this.ends[out]!) this.ends[out] = e;
        this.merged[out] = this.merged[out]! | (1 << d);
        this.pure[out] = false;
        continue;
      }
      out++;
      this.starts[out] = s;
      this.ends[out] = e;
      this.detectors[out] = d;
      this.merged[out] = 1 << d;
      this.pure[out] = true;
    }
    this.length = out + 1;
  }

  /** A value rarely holds more than a handful of detections: sort in place, no allocation. */
  private insertionSort(): void {
    for (let i = 1; i < this.length; i++) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      const d = this.detectors[i]!;
      let j = i - 1;
      while (j >= 0 && this.before(s, e, d, j)) {
        this.starts[j + 1] = this.starts[j]!;
        this.ends[j + 1] = this.ends[j]!;
        this.detectors[j + 1] = this.detectors[j]!;
        j--;
      }
      this.starts[j + 1] = s;
      this.ends[j + 1] = e;
      this.detectors[j + 1] = d;
    }
  }

  /** Large documents (each detector pushes its spans in order, so the lists interleave): O(n log n). */
  private sortLarge(): void {
    const n = this.length;
    const order = Array.from({ length: n }, (_, i) => i);
    const starts = this.starts.slice(0, n);
    const ends = this.ends.slice(0, n);
    const detectors = this.detectors.slice(0, n);
    order.sort((a, b) => starts[a]! - starts[b]! || ends[b]! - ends[a]! || PRIORITY[detectors[a]!]! - PRIORITY[detectors[b]!]!);
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      this.starts[i] = starts[k]!;
      this.ends[i] = ends[k]!;
      this.detectors[i] = detectors[k]!;
    }
  }

  private before(s: number, e: number, d: number, j: number): boolean {
    const sj = this.starts[j]!;
    if (s !== sj) return s < sj;
    const ej = this.ends[j]!;
    if (e !== ej) return e > ej;
    return PRIORITY[d]! < PRIORITY[this.detectors[j]!]!;
  }
}
