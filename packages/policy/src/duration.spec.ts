import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_SECONDS, parseDuration } from './duration.js';
import { PolicyError } from './errors.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e: unknown) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['1d12h', 129_600],
    ['1d2h3m4s', 93_784],
    ['90m', 5400],
    ['0h5m', 300],
    ['3600', 3600],
    [1, 1],
    [3600, 3600],
    ['366d', MAX_DURATION_SECONDS],
    [MAX_DURATION_SECONDS, MAX_DURATION_SECONDS],
  ])('parses %j as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each<[string, string | number]>([
    ['zero seconds', 0],
    ['zero text', '0s'],
    ['zero in every unit', '0d0h0m0s'],
    ['a negative number', -5],
    ['a negative text', '-5m'],
    ['a fraction', 1.5],
    ['a fractional text', '1.5h'],
    ['more than 366 days', '367d'],
    ['one second over the cap', MAX_DURATION_SECONDS + 1],
    ['hours over the cap', '8785h'],
    ['an empty string', ''],
    ['a unit without a number', 'h'],
    ['an unknown unit', '5w'],
    ['upper-case units', '1H'],
    ['units out of order', '30m1h'],
    ['a repeated unit', '1h1h'],
    ['spaces', '1h 30m'],
    ['surrounding whitespace', ' 1h'],
    ['garbage', 'soon'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an over-long digit run', '9999999999s'],
  ])('rejects %s', (_label, input) => {
    const error = caught(() => parseDuration(input));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ code: 'invalid_duration' });
  });

  it('names the rejected input in the message', () => {
    expect(() => parseDuration('5w')).toThrow(/"5w"/);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [86_400, '1d'],
    [90_000, '1d1h'],
    [93_784, '1d2h3m4s'],
    [MAX_DURATION_SECONDS, '366d'],
  ])('formats %i as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN])('rejects %d', (seconds) => {
    expect(() => formatDuration(seconds)).toThrow(PolicyError);
  });

  it.each([1, 59, 61, 3599, 3601, 86_399, 86_401, 1_000_000, MAX_DURATION_SECONDS])('round-trips %i through parseDuration', (seconds) => {
    expect(parseDuration(formatDuration(seconds))).toBe(seconds);
  });
});
