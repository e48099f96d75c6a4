import { describe, expect, it } from 'vitest';
import { describeExpiry, formatBytes, formatDuration, formatTable, formatTime } from './format.js';

describe('format', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [12_000, '12s'],
    [1_798_000, '29m 58s'],
    [3_600_000, '1h'],
    [3_900_000, '1h 5m'],
    [90_061_000, '1d 1h'],
  ])('formatDuration(%i) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('formats times in UTC to the second', () => {
    expect(formatTime('2026-11-22T14:05:00.123Z')).toBe('2026-11-22T14:05:00Z');
    expect(describeExpiry('2026-11-22T14:05:00.000Z', Date.parse('2026-11-22T13:35:00Z'))).toBe('expires 2026-11-22T14:05:00Z, in 30m');
    expect(describeExpiry('2026-11-22T14:05:00.000Z', Date.parse('2026-11-22T14:05:03Z'))).toBe('expires 2026-11-22T14:05:00Z, 3s ago');
  });

  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [10_485_760, '10 MB'],
  ])('formatBytes(%i) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it('pads table columns', () => {
    expect(
      formatTable(
        ['A', 'BB'],
        [
          ['xxx', 'y'],
          ['z', ''],
        ],
      ),
    ).toBe('A    BB\nxxx  y\nz\n');
  });
});
