import { isAsciiLetter, isDigit } from './chars.js';
import type { SpanList } from './span-list.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

// Local part: the unquoted dot-atom subset people actually use (RFC 5321 allows more).
function isLocalChar(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainChar(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c) || c === 46 || c === 45;
}

/**
 * `local@domain.tld`: walks out from each `@` instead of running a regex over the whole value,
 * so the cost is linear and values without `@` cost one `indexOf`. The domain needs a dot and
 * an alphabetic TLD of two letters or more (`user@localhost`, `a@10.0.0.1` do not match).
 */
export function findEmails(text: string, detector: number, spans: SpanList): void {
  const n = text.length;
  let at = text.indexOf('@');
  while (at !== -1) {
    let s = at;
    while (s > 0 && at - s < MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && text.charCodeAt(s) === 46) s++;
    let e = at + 1;
    while (e < n && e - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    if (s < at && validDomain(text, at + 1, e)) spans.push(s, e, detector);
    at = text.indexOf('@', at + 1);
  }
}

function validDomain(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  let labelStart = start;
  let dots = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46;
    if (c !== 46) continue;
    const len = i - labelStart;
    if (len === 0 || len > 63) return false;
    if (text.charCodeAt(labelStart) === 45) return false;
    if (i < end) dots++;
    labelStart = i + 1;
  }
  if (dots === 0) return false;
  const tld = text.lastIndexOf('.', end - 1) + 1;
  if (end - tld < 2) return false;
  for (let i = tld; i < end; i++) if (!isAsciiLetter(text.charCodeAt(i))) return false;
  return true;
}
