import { isDigit, isWordChar, luhnValid } from './chars.js';
import type { SpanList } from './span-list.js';

// Separator kinds between two digit groups (and `(`/`+` before the first one).
const NONE = 0;
const SP = 1; // ' '
const DASH = 2; // '-'
const DOT = 3; // '.'
const SLASH = 4; // '/'
const CP = 5; // ')'
const CPSP = 6; // ') '
const OP = 7; // '('
const SPOP = 8; // ' ('
const PLUS = 9; // '+' before the first group
const PAREN = 10; // '(' before the first group

/** Longest run of digit groups examined at once; a longer run starts a new one. */
const MAX_GROUPS = 32;
/** A phone window spans at most this many digit groups (`+1 (415) 555 26 71` has five). */
const MAX_PHONE_GROUPS = 6;

export interface NumericDetectors {
  /** Index in DETECTORS, or -1 when the detector is off. */
  phone: number;
  card: number;
  nationalId: number;
}

/**
 * Card numbers, phone numbers, US SSNs and Canadian SINs share one tokenizer: a *run* is a
 * sequence of digit groups joined by one- or two-character separators (` `, `-`, `.`, `/`,
 * `(`, `)`, `) `, ` (`), standing alone (no letter, digit or `_` glued to either end; a group
 * glued to a letter ends the run and is dropped). Each detector then tries windows of
 * consecutive groups, so `ref 12 415-555-2671` still finds the phone number.
 * The group boundaries live in reusable arrays: no allocation per value.
 */
export class NumericScanner {
  private readonly gs = new Int32Array(MAX_GROUPS);
  private readonly ge = new Int32Array(MAX_GROUPS);
  /** sep[k] = separator before group k (k ≥ 1); sep[0] = NONE, PLUS or PAREN. */
  private readonly sep = new Uint8Array(MAX_GROUPS);
  private text = '';

  constructor(private readonly on: NumericDetectors) {}

  scan(text: string, spans: SpanList): void {
    this.text = text;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (!isDigit(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const prev = i > 0 ? text.charCodeAt(i - 1) : -1;
      if (isWordChar(prev)) {
        while (i < n && isWordChar(text.charCodeAt(i))) i++;
        continue;
      }
      const before = i > 1 ? text.charCodeAt(i - 2) : -1;
      this.sep[0] = prev === 43 && !isWordChar(before) ? PLUS : prev === 40 ? PAREN : NONE;
      let g = 0;
      for (;;) {
        const s = i;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        if (i < n && isWordChar(text.charCodeAt(i))) {
          while (i < n && isWordChar(text.charCodeAt(i))) i++;
          break;
        }
        this.gs[g] = s;
        this.ge[g] = i;
        g++;
        if (g === MAX_GROUPS || i >= n) break;
        const kind = separatorAt(text, i);
        if (kind === NONE) break;
        const j = i + (kind === CPSP || kind === SPOP ? 2 : 1);
        if (j >= n || !isDigit(text.charCodeAt(j))) break;
        this.sep[g] = kind;
        i = j;
      }
      if (g > 0) this.evaluate(g, spans);
    }
    this.text = '';
  }

  private evaluate(g: number, spans: SpanList): void {
    if (this.on.card >= 0) this.findCards(g, spans);
    if (this.on.nationalId >= 0) this.findNationalIds(g, spans);
    if (this.on.phone >= 0) this.findPhones(g, spans);
  }

  private len(k: number): number {
    return this.ge[k]! - this.gs[k]!;
  }

  private digitAt(k: number, offset: number): number {
    return this.text.charCodeAt(this.gs[k]! + offset) - 48;
  }

  /** 13–19 digits, groups joined by single spaces or dashes, leading digit 2–6, Luhn-valid. */
  private findCards(g: number, spans: SpanList): void {
    let k = 0;
    while (k < g) {
      let best = -1;
      let digits = 0;
      const lead = this.digitAt(k, 0);
      if (lead >= 2 && lead <= 6) {
        for (let m = k; m < g; m++) {
          if (m > k && this.sep[m] !== SP && this.sep[m] !== DASH) break;
          digits += this.len(m);
          if (digits > 19) break;
          if (digits >= 13 && luhnValid(this.text, this.gs[k]!, this.ge[m]!)) best = m;
        }
      }
      if (best >= 0) {
        spans.push(this.gs[k]!, this.ge[best]!, this.on.card);
        k = best + 1;
      } else k++;
    }
  }

  /** US SSN `AAA-GG-SSSS` (dashes only) and Canadian SIN `NNN NNN NNN` / `NNN-NNN-NNN`. */
  private findNationalIds(g: number, spans: SpanList): void {
    for (let k = 0; k + 2 < g; k++) {
      const s1 = this.sep[k + 1]!;
      const s2 = this.sep[k + 2]!;
      // The three groups must stand alone: not a slice of a longer dash/space-joined number.
      if (k > 0 && this.sep[k] === s1) continue;
      if (k + 3 < g && this.sep[k + 3] === s2) continue;
      if (k === 0 && this.sep[0] === PLUS) continue;
      if (s1 === DASH && s2 === DASH && this.len(k) === 3 && this.len(k + 1) === 2 && this.len(k + 2) === 4) {
        if (this.validSsn(k)) {
          spans.push(this.gs[k]!, this.ge[k + 2]!, this.on.nationalId);
          k += 2;
        }
      } else if (s1 === s2 && (s1 === SP || s1 === DASH) && this.len(k) === 3 && this.len(k + 1) === 3 && this.len(k + 2) === 3) {
        const lead = this.digitAt(k, 0);
        if (lead !== 0 && lead !== 8 && luhnValid(this.text, this.gs[k]!, this.ge[k + 2]!)) {
          spans.push(this.gs[k]!, this.ge[k + 2]!, this.on.nationalId);
          k += 2;
        }
      }
    }
  }

  /** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
  private validSsn(k: number): boolean {
    const area = this.digitAt(k, 0) * 100 + this.digitAt(k, 1) * 10 + this.digitAt(k, 2);
    if (area === 0 || area === 666 || area >= 900) return false;
    if (this.digitAt(k + 1, 0) === 0 && this.digitAt(k + 1, 1) === 0) return false;
    let serial = 0;
    for (let o = 0; o < 4; o++) serial = serial * 10 + this.digitAt(k + 2, o);
    return serial !== 0;
  }

  private findPhones(g: number, spans: SpanList): void {
    let k = 0;
    while (k < g) {
      let found = -1;
      for (let m = Math.min(g - 1, k + MAX_PHONE_GROUPS - 1); m >= k; m--) {
        if (this.phoneWindow(k, m)) {
          found = m;
          break;
        }
      }
      if (found >= 0) {
        const opensWith = k === 0 ? this.sep[0] : this.sep[k];
        const start = opensWith === PLUS || opensWith === PAREN || opensWith === OP || opensWith === SPOP ? this.gs[k]! - 1 : this.gs[k]!;
        spans.push(start, this.ge[found]!, this.on.phone);
        k = found + 1;
      } else k++;
    }
  }

  private phoneWindow(k: number, m: number): boolean {
    let digits = 0;
    for (let j = k; j <= m; j++) digits += this.len(j);
    const first = this.digitAt(k, 0);
    if (k === 0 && this.sep[0] === PLUS) {
      // E.164: + country code and subscriber number, 8–15 digits, any phone-ish separators.
      if (digits < 8 || digits > 15 || first === 0) return false;
      for (let j = k + 1; j <= m; j++) if (this.sep[j] === SLASH) return false;
      return true;
    }
    if (this.nanp(k, m)) return true;
    if (first !== 0 || m === k || this.len(k) < 2) return false;
    const paren = k === 0 ? this.sep[0] === PAREN : this.sep[k] === OP || this.sep[k] === SPOP;
    for (let j = k + 1; j <= m; j++) {
      const s = this.sep[j];
      const closing = j === k + 1 && paren && (s === CP || s === CPSP);
      if (s !== SP && s !== DASH && !closing) return false;
      if (this.len(j) < 2) return false;
    }
    if (this.digitAt(k, 1) === 0) {
      // International prefix written as 00 (`0044 20 7946 0958`): like `+`.
      return this.len(k) >= 4 && this.digitAt(k, 2) !== 0 && digits - 2 >= 8 && digits - 2 <= 15;
    }
    // National number with a trunk 0 (UK `020 7946 0958`, `07700 900123`, DE, FR, …).
    return digits >= 10 && digits <= 11;
  }

  /** North American `415-555-2671`, `(415) 555-2671`, `415.555.2671`, `1 415 555 2671`. */
  private nanp(k: number, m: number): boolean {
    const count = m - k + 1;
    let a = k;
    let paren = k === 0 ? this.sep[0] === PAREN : this.sep[k] === OP || this.sep[k] === SPOP;
    if (count === 4) {
      if (paren || this.len(k) !== 1 || this.digitAt(k, 0) !== 1) return false;
      const s = this.sep[k + 1];
      if (s !== SP && s !== DASH && s !== DOT && s !== OP && s !== SPOP) return false;
      paren = s === OP || s === SPOP;
      a = k + 1;
    } else if (count !== 3) return false;
    if (this.len(a) !== 3 || this.len(a + 1) !== 3 || this.len(a + 2) !== 4) return false;
    if (this.digitAt(a, 0) < 2 || this.digitAt(a + 1, 0) < 2) return false;
    const s1 = this.sep[a + 1];
    const s2 = this.sep[a + 2];
    if (paren ? s1 !== CP && s1 !== CPSP : s1 !== SP && s1 !== DASH && s1 !== DOT) return false;
    if (s2 !== SP && s2 !== DASH && s2 !== DOT) return false;
    // 415.555.2671 but not 415-555.2671.
    return (s1 === DOT) === (s2 === DOT);
  }
}

function separatorAt(text: string, i: number): number {
  switch (text.charCodeAt(i)) {
    case 32:
      return text.charCodeAt(i + 1) === 40 ? SPOP : SP;
    case 45:
      return DASH;
    case 46:
      return DOT;
    case 47:
      return SLASH;
    case 41:
      return text.charCodeAt(i + 1) === 32 ? CPSP : CP;
    case 40:
      return OP;
    default:
      return NONE;
  }
}
