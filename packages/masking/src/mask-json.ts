import type { ColumnMatcher } from './column-glob.js';
import { DETECTOR_INDEX, DETECTORS, type DetectorName } from './detectors.js';
import type { PathSegment } from './json-path.js';
import { REDACTED, REDACTED_PREFIX } from './replacement.js';
import type { Scanner } from './scanner.js';

/** Containers nested deeper than this are replaced whole by `[REDACTED]` (fail closed). */
export const MAX_JSON_DEPTH = 64;

/** Integers this large may be card numbers written as JSON numbers; smaller ones cannot be. */
const MIN_SCANNED_INTEGER = 1e12;

export interface MaskJsonResult {
  value: unknown;
  hits: DetectorName[];
  /** Values replaced whole: path or property-name matches, over-deep subtrees, non-JSON values. */
  maskedPaths: number;
}

export interface JsonMaskDeps {
  scanner: Scanner;
  columns: ColumnMatcher;
  /** The whole-value replacement (`Masker.maskColumnValue`). */
  maskValue: (text: string) => string;
  /** `gcp_private_key` is on: any `private_key` property holding a string is masked. */
  privateKeyProperty: boolean;
}

/**
 * One traversal. Unchanged subtrees are returned as they are (shared with the input, which is
 * never written to); a container with a changed child is copied, own enumerable keys only.
 */
class JsonMasking {
  bits = 0;
  masked = 0;

  constructor(
    private readonly deps: JsonMaskDeps,
    private readonly paths: readonly PathSegment[][],
  ) {}

  run(value: unknown): unknown {
    if (this.paths.some((p) => p.length === 0)) return this.whole(value);
    const states = this.paths.length > 0 ? this.paths.map((_, p) => p << 7) : undefined;
    return this.walk(value, 0, states);
  }

  private walk(value: unknown, depth: number, states: number[] | undefined): unknown {
    switch (typeof value) {
      case 'string':
        return this.scanString(value);
      case 'number':
        return Number.isInteger(value) && Math.abs(value) >= MIN_SCANNED_INTEGER ? this.scanString(String(value), value) : value;
      case 'bigint':
        return this.scanString(String(value), value);
      case 'boolean':
      case 'undefined':
        return value;
      case 'object':
        break;
      default:
        // function, symbol: not JSON; fail closed.
        this.masked++;
        return REDACTED;
    }
    if (value === null) return null;
    if (depth >= MAX_JSON_DEPTH) {
      this.masked++;
      return REDACTED;
    }
    if (Array.isArray(value)) return this.walkArray(value, depth, states);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Date, Map, Buffer, class instances: not what JSON.parse makes; fail closed.
      this.masked++;
      return REDACTED;
    }
    return this.walkObject(value as Record<string, unknown>, depth, states);
  }

  private walkArray(value: readonly unknown[], depth: number, states: number[] | undefined): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child = value[i];
      const step = states === undefined ? undefined : this.step(states, i);
      const next = step === true ? this.whole(child) : this.walk(child, depth + 1, step);
      if (next !== child && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? value;
  }

  private walkObject(value: Record<string, unknown>, depth: number, states: number[] | undefined): unknown {
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const child = value[key];
      const step = states === undefined ? undefined : this.step(states, key);
      let next: unknown;
      if (step === true || this.deps.columns.matches(key)) next = this.whole(child);
      else if (this.deps.privateKeyProperty && key === 'private_key' && typeof child === 'string' && !child.startsWith(REDACTED_PREFIX)) {
        this.bits |= 1 << DETECTOR_INDEX.gcp_private_key;
        next = '[REDACTED:gcp_private_key]';
      } else next = this.walk(child, depth + 1, step);
      if (next !== child && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, value[keys[j]!]);
      }
      if (out !== undefined) setOwn(out, key, next);
    }
    return out ?? value;
  }

  /**
   * Advances the path states over one child: `true` when a path ends there (mask it whole),
   * the remaining states otherwise (`undefined` when none is left).
   */
  private step(states: number[], key: string | number): true | number[] | undefined {
    let next: number[] | undefined;
    for (const st of states) {
      const path = this.paths[st >> 7]!;
      const s = st & 127;
      const seg = path[s]!;
      const ok = seg.kind === 'any' || (seg.kind === 'key' ? seg.name === key : seg.index === key);
      if (!ok) continue;
      if (s + 1 === path.length) return true;
      (next ??= []).push(st + 1);
    }
    return next;
  }

  private scanString(text: string, original: unknown = text): unknown {
    const found = this.deps.scanner.scan(text);
    if (found === undefined) return original;
    for (const hit of found.hits) this.bits |= 1 << DETECTOR_INDEX[hit];
    return found.text;
  }

  /** A field named by a path or a column glob. `null` stays `null`: it reveals nothing. */
  private whole(value: unknown): unknown {
    if (value === null || value === undefined) return value;
    this.masked++;
    switch (typeof value) {
      case 'string':
        return this.deps.maskValue(value);
      case 'number':
      case 'bigint':
      case 'boolean':
        return this.deps.maskValue(String(value));
      default:
        return REDACTED;
    }
  }

  hits(): DetectorName[] {
    return DETECTORS.filter((_, d) => (this.bits & (1 << d)) !== 0);
  }
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // A JSON "__proto__" key is an own property; plain assignment would set the prototype.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function maskJsonValue(deps: JsonMaskDeps, value: unknown, paths: readonly PathSegment[][]): MaskJsonResult {
  const run = new JsonMasking(deps, paths);
  const out = run.run(value);
  return { value: out, hits: run.hits(), maskedPaths: run.masked };
}
