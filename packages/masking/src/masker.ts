import { ColumnMatcher } from './column-glob.js';
import { DETECTORS, isDetectorName, type DetectorName } from './detectors.js';
import { MaskingConfigError } from './errors.js';
import { parseJsonPaths, type PathSegment } from './json-path.js';
import { maskJsonValue, type MaskJsonResult } from './mask-json.js';
import { isTextLikeType } from './pg-types.js';
import { REDACTED, replacementFor, type ReplacementMode } from './replacement.js';
import { Scanner, type ScanResult } from './scanner.js';

export interface MaskingConfig {
  /** Case-insensitive globs on bare column / JSON property names (`*`, `?`); see README. */
  columns: string[];
  detectors: DetectorName[];
  /** Default `redact`. */
  replacement?: ReplacementMode;
  /** Extra OIDs to treat as text-like in `columnRule` (e.g. citext's, looked up per database). */
  textTypeOids?: number[];
}

export type ColumnRule = 'mask' | 'scan' | 'pass';

export interface MaskJsonOptions {
  /** Fields to mask whole, in the path syntax documented in `json-path.ts` / README. */
  paths?: string[];
}

export interface MaskerDescription {
  columns: string[];
  detectors: DetectorName[];
  replacement: ReplacementMode;
  textTypeOids: number[];
}

export interface Masker {
  /**
   * Decided once per `RowDescription` column: `mask` when a column glob matches the name,
   * `scan` when detectors are configured (and, if `typeOid` is given, the type is text-like),
   * `pass` otherwise: the caller can then skip the column entirely.
   */
  columnRule(columnName: string, typeOid?: number): ColumnRule;
  /** Whole-value replacement for a `mask` column; see README for the `partial` shapes. */
  maskColumnValue(text: string): string;
  /** `undefined` (nothing allocated) when no detector fires. */
  scanText(text: string): ScanResult | undefined;
  /** Never mutates `value`; unchanged subtrees of the result are shared with it. */
  maskJson(value: unknown, options?: MaskJsonOptions): MaskJsonResult;
  /** For logs: the config, never a value. */
  describe(): MaskerDescription;
}

const REPLACEMENTS: readonly ReplacementMode[] = ['redact', 'partial'];
/** Detectors whose shape a partial column mask can keep part of. */
const SHAPE_DETECTORS: readonly DetectorName[] = ['email', 'phone', 'payment_card', 'national_id'];
const PATH_CACHE_LIMIT = 64;

export function compileMasker(config: MaskingConfig): Masker {
  return new CompiledMasker(config);
}

class CompiledMasker implements Masker {
  private readonly columns: ColumnMatcher;
  private readonly detectors: DetectorName[];
  private readonly replacement: ReplacementMode;
  private readonly textTypeOids: ReadonlySet<number>;
  private readonly scanner: Scanner;
  private readonly shapes: Scanner | undefined;
  private readonly pathCache = new Map<string, PathSegment[][]>();

  constructor(config: MaskingConfig) {
    const raw: unknown = config;
    if (typeof raw !== 'object' || raw === null) throw new MaskingConfigError('invalid_config', 'config must be an object');
    const { columns, detectors, replacement, textTypeOids } = config as Partial<Record<keyof MaskingConfig, unknown>>;
    if (!Array.isArray(columns)) throw new MaskingConfigError('invalid_config', 'columns: must be an array of patterns');
    if (!Array.isArray(detectors)) throw new MaskingConfigError('invalid_config', 'detectors: must be an array of detector names');
    detectors.forEach((d: unknown, i) => {
      if (!isDetectorName(d)) {
        throw new MaskingConfigError('unknown_detector', `detectors[${i}] ${JSON.stringify(d)}: expected one of ${DETECTORS.join(', ')}`);
      }
    });
    if (replacement !== undefined && !REPLACEMENTS.includes(replacement as ReplacementMode)) {
      throw new MaskingConfigError('invalid_replacement', `replacement ${JSON.stringify(replacement)}: expected 'redact' or 'partial'`);
    }
    if (textTypeOids !== undefined && !(Array.isArray(textTypeOids) && textTypeOids.every(isOid))) {
      throw new MaskingConfigError('invalid_config', 'textTypeOids: must be an array of type OIDs (integers 1..4294967295)');
    }
    this.columns = new ColumnMatcher(columns);
    this.detectors = DETECTORS.filter((d) => (detectors as unknown[]).includes(d));
    this.replacement = (replacement as ReplacementMode | undefined) ?? 'redact';
    this.textTypeOids = new Set((textTypeOids as number[] | undefined) ?? []);
    this.scanner = new Scanner(this.detectors, this.replacement);
    this.shapes = this.replacement === 'partial' ? new Scanner(SHAPE_DETECTORS, 'partial') : undefined;
  }

  columnRule(columnName: string, typeOid?: number): ColumnRule {
    if (this.columns.matches(columnName)) return 'mask';
    if (!this.scanner.enabled) return 'pass';
    if (typeOid !== undefined && !isTextLikeType(typeOid, this.textTypeOids)) return 'pass';
    return 'scan';
  }

  maskColumnValue = (text: string): string => {
    if (this.shapes === undefined) return REDACTED;
    const whole = this.shapes.wholeValueDetector(text);
    return whole === undefined ? REDACTED : replacementFor(whole.detector, text, whole.start, whole.end, 'partial');
  };

  scanText(text: string): ScanResult | undefined {
    return this.scanner.scan(text);
  }

  maskJson(value: unknown, options?: MaskJsonOptions): MaskJsonResult {
    const paths = options?.paths === undefined || options.paths.length === 0 ? [] : this.compilePaths(options.paths);
    return maskJsonValue(
      {
        scanner: this.scanner,
        columns: this.columns,
        maskValue: this.maskColumnValue,
        privateKeyProperty: this.detectors.includes('gcp_private_key'),
      },
      value,
      paths,
    );
  }

  private compilePaths(paths: readonly string[]): PathSegment[][] {
    if (!Array.isArray(paths)) throw new MaskingConfigError('invalid_json_path', 'paths: must be an array of strings');
    const key = paths.join('\n');
    const cached = this.pathCache.get(key);
    if (cached !== undefined) return cached;
    const compiled = parseJsonPaths(paths);
    if (this.pathCache.size >= PATH_CACHE_LIMIT) this.pathCache.clear();
    this.pathCache.set(key, compiled);
    return compiled;
  }

  describe(): MaskerDescription {
    return {
      columns: [...this.columns.patterns],
      detectors: [...this.detectors],
      replacement: this.replacement,
      textTypeOids: [...this.textTypeOids],
    };
  }
}

function isOid(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffffffff;
}
