import { describe, expect, it } from 'vitest';
import { DETECTORS, isDetectorName, type DetectorName } from './detectors.js';
import { compileMasker } from './masker.js';

function scan(detector: DetectorName, text: string) {
  return compileMasker({ columns: [], detectors: [detector] }).scanText(text);
}

/** [input, the span expected to be masked] — the rest of the input must survive unchanged. */
type Positive = [string, string];

function expectMasked(detector: DetectorName, [input, span]: Positive): void {
  const result = scan(detector, input);
  expect(result, input).toBeDefined();
  expect(result!.hits).toEqual([detector]);
  expect(result!.text).toBe(input.replace(span, `[REDACTED:${detector}]`));
}

const POSITIVE: Record<Exclude<DetectorName, 'gcp_private_key' | 'jwt'>, Positive[]> = {
  email: [
    ['john.doe@example.com', 'john.doe@example.com'],
    ['contact: <Jane_Roe+news@mail.example.co.uk>.', 'Jane_Roe+news@mail.example.co.uk'],
    ['a@b.io', 'a@b.io'],
    ['"x":"ops-team@sub-domain.example.org"', 'ops-team@sub-domain.example.org'],
  ],
  phone: [
    ['+14155552671', '+14155552671'],
    ['call +44 20 7946 0958 today', '+44 20 7946 0958'],
    ['+1 (415) 555-2671', '+1 (415) 555-2671'],
    ['+49 30 901820', '+49 30 901820'],
    ['(415) 555-2671', '(415) 555-2671'],
    ['415-555-2671', '415-555-2671'],
    ['415.555.2671', '415.555.2671'],
    ['tel 415 555 2671', '415 555 2671'],
    ['1-415-555-2671', '1-415-555-2671'],
    ['020 7946 0958', '020 7946 0958'],
    ['07700 900123', '07700 900123'],
    ['0044 20 7946 0958', '0044 20 7946 0958'],
    ['ref 12 415-555-2671', '415-555-2671'],
  ],
  payment_card: [
    ['4111 1111 1111 1111', '4111 1111 1111 1111'],
    ['card=4111111111111111;', '4111111111111111'],
    ['5555-5555-5555-4444', '5555-5555-5555-4444'],
    ['amex 378282246310005 exp 12/30', '378282246310005'],
    ['3782 822463 10005', '3782 822463 10005'],
    ['6011111111111117', '6011111111111117'],
    ['4222222222222', '4222222222222'], // 13-digit Visa test number
    ['2223003122003222', '2223003122003222'], // Mastercard 2-series
  ],
  national_id: [
    ['SSN 123-45-6789', '123-45-6789'],
    ['078-05-1121', '078-05-1121'],
    ['899-99-9999', '899-99-9999'],
    ['NI: AB 12 34 56 C', 'AB 12 34 56 C'],
    ['AB123456C', 'AB123456C'],
    ['SIN 130 692 544', '130 692 544'],
    ['SIN 130-692-544', '130-692-544'],
  ],
  gcp_api_key: [
    ['AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
    ['?key=AIzaSyA_1234567890abcdefghijklmnopqrstu&x=1', 'AIzaSyA_1234567890abcdefghijklmnopqrstu'],
  ],
};

const NEGATIVE: Record<Exclude<DetectorName, 'gcp_private_key' | 'jwt'>, string[]> = {
  email: ['hello', 'user@localhost', 'a@10.0.0.1', '@example.com', 'x@y', 'me@example.c0m', 'price @ 5.00', 'a@-b.com'],
  phone: [
    '2026-11-22',
    '192.168.0.1',
    '10.0.0.254',
    '12345',
    '4155552671', // bare digits: no separator, no + (documented false negative)
    '123-456-7890', // area code cannot start with 1
    '415-555.2671', // mixed dots and dashes
    '2026-11-22 10:30:00',
    'v1.2.3',
    '+12345', // too short for E.164
    '4111 1111 1111 1111',
    'order 2026/11/22/0001',
    'id 415-555-2671x', // glued to a letter
    '22.11.2026',
  ],
  payment_card: [
    '4111 1111 1111 1112', // Luhn fails
    '5555-5555-5555-4445',
    '378282246310006',
    '1763830000000', // a timestamp in ms: leading 1 is not a card industry
    '41111111111111111111', // 20 digits
    'abc4111111111111111', // glued to letters
    '4111.1111.1111.1111', // dots are not card separators
    '12345',
  ],
  national_id: [
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '999-99-9999',
    '123-00-4567',
    '123-45-0000',
    '123456789', // bare nine digits: too ambiguous
    '2026-123-45-6789', // a slice of a longer dashed number
    'DA123456C', // D is not a valid first prefix letter
    'GB123456A', // banned prefix
    'AB123456E', // bad suffix
    'ab123456c', // lower case
    'XAB123456C',
    '046 454 286', // SIN starting with 0 is not issued
    '130 692 545', // Luhn fails
  ],
  gcp_api_key: [
    'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBW', // 34 characters
    'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWYZ', // 36: glued to more
    'xAIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
    'AIza',
  ],
};

describe('DETECTORS', () => {
  it('is the closed list', () => {
    expect(DETECTORS).toEqual(['email', 'phone', 'payment_card', 'national_id', 'gcp_api_key', 'gcp_private_key', 'jwt']);
    expect(isDetectorName('email')).toBe(true);
    expect(isDetectorName('EMAIL')).toBe(false);
    expect(isDetectorName(1)).toBe(false);
  });
});

for (const [detector, cases] of Object.entries(POSITIVE) as [DetectorName, Positive[]][]) {
  describe(`${detector} detector`, () => {
    it.each(cases)('masks %j', (input, span) => expectMasked(detector, [input, span]));
    it.each(NEGATIVE[detector as keyof typeof NEGATIVE].map((s) => [s]))('leaves %j alone', (input) => {
      expect(scan(detector, input)).toBeUndefined();
    });
  });
}

describe('several detectors in one value', () => {
  const all = compileMasker({ columns: [], detectors: [...DETECTORS] });

  it('replaces each span and lists hits in DETECTORS order', () => {
    const r = all.scanText('card 4111111111111111 for bob@example.com, tel +1 415 555 2671');
    expect(r).toEqual({
      text: 'card [REDACTED:payment_card] for [REDACTED:email], tel [REDACTED:phone]',
      hits: ['email', 'phone', 'payment_card'],
    });
  });

  it('returns undefined for ordinary values', () => {
    for (const v of ['', 'hello world', '42', '2026-11-22 10:30:00+00', 'ACME Corp.', '192.168.0.1', '{"a":1}']) {
      expect(all.scanText(v)).toBeUndefined();
    }
  });

  it('merges overlapping detections so no part of either survives', () => {
    // An e-mail whose local part is a card number: both fire, the merged span is labelled by
    // the earliest (then longest) detection.
    const r = all.scanText('4111111111111111@example.com');
    expect(r).toEqual({ text: '[REDACTED:email]', hits: ['email', 'payment_card'] });
  });

  it('uses partial markers only for a span found by exactly one detector', () => {
    const partial = compileMasker({ columns: [], detectors: [...DETECTORS], replacement: 'partial' });
    expect(partial.scanText('pay 4111 1111 1111 1111, mail bob@example.com, call 415-555-2671, ssn 123-45-6789')?.text).toBe(
      'pay [REDACTED:payment_card ****1111], mail [REDACTED:email]@example.com, call [REDACTED:phone ****71], ssn [REDACTED:national_id ****6789]',
    );
    expect(partial.scanText('4111111111111111@example.com')?.text).toBe('[REDACTED:email]');
  });
});

describe('large values', () => {
  it('orders and masks many interleaved detections', () => {
    const all = compileMasker({ columns: [], detectors: [...DETECTORS] });
    const text = 'x 4111111111111111 bob@example.com 123-45-6789 '.repeat(200);
    const r = all.scanText(text);
    expect(r?.text).toBe('x [REDACTED:payment_card] [REDACTED:email] [REDACTED:national_id] '.repeat(200));
    expect(r?.hits).toEqual(['email', 'payment_card', 'national_id']);
  });
});
