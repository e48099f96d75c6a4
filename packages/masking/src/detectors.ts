/**
 * The closed list of content detectors. The order is also the order of `hits` in results.
 * What each one matches (and deliberately does not) is documented in README.md and pinned by
 * the `detect-*.spec.ts` tables.
 */
export const DETECTORS = ['email', 'phone', 'payment_card', 'national_id', 'gcp_api_key', 'gcp_private_key', 'jwt'] as const;

export type DetectorName = (typeof DETECTORS)[number];

const NAMES: ReadonlySet<string> = new Set(DETECTORS);

export function isDetectorName(s: unknown): s is DetectorName {
  return typeof s === 'string' && NAMES.has(s);
}

/** Index of a detector in `DETECTORS`; spans carry this number instead of the name. */
export const DETECTOR_INDEX: Readonly<Record<DetectorName, number>> = Object.fromEntries(DETECTORS.map((name, i) => [name, i])) as Record<DetectorName, number>;
