export { DETECTORS, isDetectorName, type DetectorName } from './detectors.js';
export {
  compileMasker,
  type ColumnRule,
  type Masker,
  type MaskerDescription,
  type MaskingConfig,
  type MaskJsonOptions,
} from './masker.js';
export { MAX_JSON_DEPTH, type MaskJsonResult } from './mask-json.js';
export type { ScanResult } from './scanner.js';
export { REDACTED, type ReplacementMode } from './replacement.js';
export { MaskingConfigError, type MaskingConfigErrorCode } from './errors.js';
export { TEXT_LIKE_TYPE_OIDS, isTextLikeType } from './pg-types.js';
