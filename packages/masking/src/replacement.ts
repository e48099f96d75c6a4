import { isDigit } from './chars.js';
import type { DetectorName } from './detectors.js';

export type ReplacementMode = 'redact' | 'partial';

/** What a masked column (or JSON field) becomes in `redact` mode, and whenever partial cannot apply. */
export const REDACTED = '[REDACTED]';
export const REDACTED_PREFIX = '[REDACTED';

/**
 * The marker for one detected span `text[start, end)`.
 *
 * - `redact`: `[REDACTED:<detector>]`.
 * - `partial` keeps what is commonly shown to support staff, never a secret:
 *   `payment_card` and `national_id` keep their last 4 digits (`[REDACTED:payment_card ****1111]`),
 *   `phone` its last 2 (`[REDACTED:phone ****71]`), `email` its domain
 *   (`[REDACTED:email]@example.com`); `gcp_api_key`, `gcp_private_key` and `jwt` are always redacted.
 *
 * Markers are chosen so that scanning them again finds nothing: the kept digits are too few for
 * any detector and sit between `*` and `]`; the kept domain has no local part before its `@`.
 */
export function replacementFor(detector: DetectorName, text: string, start: number, end: number, mode: ReplacementMode): string {
  if (mode === 'partial') {
    switch (detector) {
      case 'payment_card':
      case 'national_id':
        return keepLastDigits(detector, text, start, end, 4);
      case 'phone':
        return keepLastDigits(detector, text, start, end, 2);
      case 'email': {
        const at = text.indexOf('@', start);
        if (at !== -1 && at < end) return `[REDACTED:email]${text.slice(at, end)}`;
        break;
      }
      case 'gcp_api_key':
      case 'gcp_private_key':
      case 'jwt':
        break;
    }
  }
  return `[REDACTED:${detector}]`;
}

function keepLastDigits(detector: DetectorName, text: string, start: number, end: number, keep: number): string {
  let digits = '';
  for (let i = end - 1; i >= start && digits.length < keep; i--) {
    if (isDigit(text.charCodeAt(i))) digits = text[i] + digits;
  }
  return `[REDACTED:${detector} ****${digits}]`;
}
