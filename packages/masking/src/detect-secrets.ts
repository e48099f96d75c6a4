import { Buffer } from 'node:buffer';
import { isBase64UrlChar } from './chars.js';
import { REDACTED_PREFIX } from './replacement.js';
import type { SpanList } from './span-list.js';

const API_KEY_BODY = 35;

/** Google API key: `AIza` + 35 characters of `[0-9A-Za-z_-]`, not glued to more of them. */
export function findGcpApiKeys(text: string, detector: number, spans: SpanList): void {
  let at = text.indexOf('AIza');
  while (at !== -1) {
    const end = at + 4 + API_KEY_BODY;
    if (end <= text.length && (at === 0 || !isBase64UrlChar(text.charCodeAt(at - 1))) && !isBase64UrlChar(text.charCodeAt(end))) {
      let ok = true;
      for (let i = at + 4; i < end && ok; i++) ok = isBase64UrlChar(text.charCodeAt(i));
      if (ok) {
        spans.push(at, end, detector);
        at = text.indexOf('AIza', end);
        continue;
      }
    }
    at = text.indexOf('AIza', at + 1);
  }
}

const BEGIN = '-----BEGIN ';
const PEM_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'] as const;

/**
 * A PEM private key block from `-----BEGIN … PRIVATE KEY-----` to its `-----END …-----` line
 * (PKCS#8 as in GCP service-account keys; PKCS#1/SEC1/encrypted too). A BEGIN line without
 * its END (a truncated value) is masked to the end of the text: fail closed.
 */
export function findPemPrivateKeys(text: string, detector: number, spans: SpanList): void {
  let at = text.indexOf(BEGIN);
  while (at !== -1) {
    let next = at + 1;
    for (const label of PEM_LABELS) {
      const header = `${label}-----`;
      if (!text.startsWith(header, at + BEGIN.length)) continue;
      const footer = `-----END ${header}`;
      const endAt = text.indexOf(footer, at + BEGIN.length + header.length);
      const end = endAt === -1 ? text.length : endAt + footer.length;
      spans.push(at, end, detector);
      next = end;
      break;
    }
    at = next < text.length ? text.indexOf(BEGIN, next) : -1;
  }
}

const PRIVATE_KEY_PROPERTY = '"private_key"';

/**
 * The string value of a `"private_key"` property in JSON text (a service-account key file
 * pasted into a text column), whatever it holds: the quotes are kept, the content masked.
 */
export function findPrivateKeyProperties(text: string, detector: number, spans: SpanList): void {
  let at = text.indexOf(PRIVATE_KEY_PROPERTY);
  while (at !== -1) {
    let i = at + PRIVATE_KEY_PROPERTY.length;
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 58) {
      i++;
      while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 34) {
        const start = i + 1;
        let j = start;
        while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
        const end = Math.min(j, text.length);
        // Already masked (a re-scan of our own output): leave it, so scanning is idempotent.
        if (end > start && !text.startsWith(REDACTED_PREFIX, start)) spans.push(start, end, detector);
      }
    }
    at = text.indexOf(PRIVATE_KEY_PROPERTY, at + 1);
  }
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * JWT (JWS compact form): `header.payload.signature`, base64url segments, the header starting
 * `eyJ` (base64url of `{"`) and decoding to a JSON object with a string `alg`. The signature
 * may be empty (`alg: none`). Decoding only happens for `eyJ…`-shaped candidates.
 */
export function findJwts(text: string, detector: number, spans: SpanList): void {
  let at = text.indexOf('eyJ');
  while (at !== -1) {
    let next = at + 1;
    if (at === 0 || (!isBase64UrlChar(text.charCodeAt(at - 1)) && text.charCodeAt(at - 1) !== 46)) {
      const h = segmentEnd(text, at);
      if (text.charCodeAt(h) === 46) {
        const p = segmentEnd(text, h + 1);
        if (p > h + 1 && text.charCodeAt(p) === 46) {
          const s = segmentEnd(text, p + 1);
          // A fourth segment means JWE or something else; leave it.
          if (text.charCodeAt(s) !== 46 && headerHasAlg(text.slice(at, h))) {
            spans.push(at, s, detector);
            next = s;
          }
        }
      }
    }
    at = text.indexOf('eyJ', next);
  }
}

function segmentEnd(text: string, i: number): number {
  while (i < text.length && isBase64UrlChar(text.charCodeAt(i))) i++;
  return i;
}

/** Headers are short; a longer one is not worth decoding on the hot path. */
const MAX_HEADER = 2048;

function headerHasAlg(segment: string): boolean {
  if (segment.length > MAX_HEADER) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

// UK National Insurance number: two prefix letters (HMRC exclusions), six digits, suffix A–D,
// optionally spaced `AB 12 34 56 C`. Upper case only: lower-case codes are too often ids.
const UK_NINO = /(?<![A-Za-z0-9_])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d\d ?\d\d ?\d\d ?[A-D](?![A-Za-z0-9_])/g;
const UK_NINO_BANNED_PREFIXES: ReadonlySet<string> = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export function findUkNinos(text: string, detector: number, spans: SpanList): void {
  UK_NINO.lastIndex = 0;
  for (let m = UK_NINO.exec(text); m !== null; m = UK_NINO.exec(text)) {
    if (!UK_NINO_BANNED_PREFIXES.has(m[1]!)) spans.push(m.index, m.index + m[0].length, detector);
  }
}
