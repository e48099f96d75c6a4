import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from './detectors.js';
import { compileMasker } from './masker.js';
import { Scanner } from './scanner.js';

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Real-looking sensitive values and the characters that make detectors work hard at edges. */
const SAMPLES = [
  'bob@example.com',
  'a.b+c@mail.example.co.uk',
  '4111 1111 1111 1111',
  '5555-5555-5555-4444',
  '378282246310005',
  '4111111111111112',
  '+44 20 7946 0958',
  '(415) 555-2671',
  '415.555.2671',
  '020 7946 0958',
  '123-45-6789',
  '666-12-3456',
  'AB 12 34 56 C',
  '130 692 544',
  'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
  '-----BEGIN PRIVATE KEY-----',
  '"private_key": "abc\\"def"',
  `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1' })}.c2ln`,
  '2026-11-22',
  '192.168.0.1',
  '[REDACTED:email]',
];
const GLUE = [' ', '-', '.', '(', ')', '+', '@', ',', '\n', 'x', '"', ':', '0', '1', '5', '9', 'eyJ', 'AIza', '*', ']'];

const structured = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SAMPLES) },
      { weight: 3, arbitrary: fc.constantFrom(...GLUE) },
      { weight: 2, arbitrary: fc.stringMatching(/^[0-9 ()+.-]{0,20}$/) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));
const anyText = fc.oneof(structured, fc.string({ unit: 'binary', maxLength: 300 }));

const PARAMS = { numRuns: 3000, interruptAfterTimeLimit: 4000, markInterruptAsFailure: false } as const;

describe.each(['redact', 'partial'] as const)('scanText properties (%s)', (mode) => {
  const scanner = new Scanner([...DETECTORS], mode);

  it('never throws, is idempotent and leaves no detected span in its output', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = scanner.scan(text);
        const spans = scanner.detect(text);
        if (result === undefined) {
          expect(spans).toEqual([]);
          return;
        }
        expect(spans.length).toBeGreaterThan(0);
        // Idempotent: our own output holds nothing more to find.
        expect(scanner.scan(result.text)).toBeUndefined();
        // The characters kept verbatim: the input minus the detected spans.
        let kept = '';
        let pos = 0;
        for (const s of spans) {
          kept += `${text.slice(pos, s.start)}\u0000`;
          pos = s.end;
        }
        kept += text.slice(pos);
        // Partial markers keep some characters on purpose (an e-mail's domain), and those can
        // join verbatim text into a string equal to a span found elsewhere in the input.
        if (mode === 'partial') kept += `\u0000${result.text.replace(/\[REDACTED[^\]]*\]/g, '\u0000')}`;
        for (const s of spans) {
          const secret = text.slice(s.start, s.end);
          // A span may legitimately reappear if the same characters also sit, undetected, in the kept text.
          if (secret.length >= 6 && !kept.includes(secret)) expect(result.text).not.toContain(secret);
        }
      }),
      PARAMS,
    );
  });
});

describe('maskJson properties', () => {
  const masker = compileMasker({ columns: ['*secret*', 'pan'], detectors: [...DETECTORS] });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      anyText,
      fc.integer(),
      fc.constantFrom(4111111111111111, 378282246310005, 1763830000000),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('pan', 'client_secret', 'private_key', '__proto__')), tie('value'), {
        maxKeys: 5,
      }),
    ),
  })).value;

  it('never throws, never mutates its input, and leaves nothing to find', () => {
    fc.assert(
      fc.property(json, (value) => {
        const before = JSON.stringify(value);
        const result = masker.maskJson(value, { paths: ['a[*].b', '$.*[0]'] });
        expect(JSON.stringify(value)).toBe(before);
        expect(masker.maskJson(result.value).hits).toEqual([]);
      }),
      PARAMS,
    );
  });
});
