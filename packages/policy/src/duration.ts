import { PolicyError } from './errors.js';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Longest duration anywhere in a policy (a grant, a maxDuration, a rate-limit window): 366 days. */
export const MAX_DURATION_SECONDS = 366 * DAY;

// Units in descending order, each at most once: "2d", "1h30m", "90s", "1d12h". Each part is
// capped at 9 digits so the sum stays an exact integer; the 366-day cap is checked afterwards.
const DURATION_RE = /^(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;
const SECONDS_RE = /^\d{1,9}$/;

/**
 * Parses "90s", "15m", "1h30m", "2d" or a whole number of seconds (as a number or a string of
 * digits) into seconds. Zero, negatives, fractions, more than 366 days, upper-case units,
 * spaces and anything else throw `PolicyError('invalid_duration')`.
 */
export function parseDuration(input: string | number): number {
  const seconds = typeof input === 'number' ? input : parseDurationText(input);
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_DURATION_SECONDS) {
    throw invalidDuration(input);
  }
  return seconds;
}

function parseDurationText(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  if (SECONDS_RE.test(text)) return Number(text);
  const m = DURATION_RE.exec(text);
  // The regex also matches "", which has no parts: reject it here.
  if (m === null || text === '') return Number.NaN;
  const [, d, h, min, s] = m;
  return num(d) * DAY + num(h) * HOUR + num(min) * MINUTE + num(s);
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}

function invalidDuration(input: unknown): PolicyError {
  const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 40)) : String(input);
  return new PolicyError('invalid_duration', `invalid duration ${shown}: expected a whole number of seconds or a duration such as "90s", "15m", "1h30m", "2d" (more than 0, at most 366d)`);
}

/** Formats seconds as the canonical text `parseDuration` accepts: 5400 → "1h30m", 0 → "0s". */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw invalidDuration(seconds);
  if (seconds === 0) return '0s';
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / DAY), 'd'],
    [Math.floor((seconds % DAY) / HOUR), 'h'],
    [Math.floor((seconds % HOUR) / MINUTE), 'm'],
    [seconds % MINUTE, 's'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
}
