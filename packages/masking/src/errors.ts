export type MaskingConfigErrorCode = 'invalid_config' | 'invalid_column_pattern' | 'unknown_detector' | 'invalid_replacement' | 'invalid_json_path';

/**
 * The package's one error type. Thrown only while compiling a config (`compileMasker`) or
 * JSON paths (`maskJson` options); scanning and masking never throw. Messages quote the
 * offending pattern or name from the config, never a scanned value.
 */
export class MaskingConfigError extends Error {
  override readonly name = 'MaskingConfigError';

  constructor(
    public readonly code: MaskingConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}
