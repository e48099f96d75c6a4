import { countDigits } from './chars.js';
import { findEmails } from './detect-email.js';
import { NumericScanner } from './detect-numeric.js';
import { findGcpApiKeys, findJwts, findPemPrivateKeys, findPrivateKeyProperties, findUkNinos } from './detect-secrets.js';
import { DETECTOR_INDEX, DETECTORS, type DetectorName } from './detectors.js';
import { replacementFor, type ReplacementMode } from './replacement.js';
import { SpanList } from './span-list.js';

/** Upper bound on scan passes over one value; see `Scanner.scan`. */
const MAX_PASSES = 4;

export interface ScanResult {
  text: string;
  hits: DetectorName[];
}

/**
 * The detectors of one config, compiled once. Each detector sits behind a pre-check that costs
 * at most one `indexOf` (`@`, `AIza`, `-----BEGIN `, `"private_key"`, `eyJ`) or one shared
 * digit count (cards need 13 digits, phones 8, national ids 6), so a typical short value that
 * matches nothing is rejected without a regex and without allocating.
 */
export class Scanner {
  private readonly spans = new SpanList();
  private readonly numeric: NumericScanner | undefined;
  private readonly email: number;
  private readonly phone: number;
  private readonly card: number;
  private readonly nationalId: number;
  private readonly apiKey: number;
  private readonly privateKey: number;
  private readonly jwt: number;
  private readonly minDigits: number;
  readonly enabled: boolean;

  constructor(
    detectors: readonly DetectorName[],
    private readonly mode: ReplacementMode,
  ) {
    const on = new Set(detectors);
    const idx = (name: DetectorName): number => (on.has(name) ? DETECTOR_INDEX[name] : -1);
    this.email = idx('email');
    this.phone = idx('phone');
    this.card = idx('payment_card');
    this.nationalId = idx('national_id');
    this.apiKey = idx('gcp_api_key');
    this.privateKey = idx('gcp_private_key');
    this.jwt = idx('jwt');
    this.minDigits = this.nationalId >= 0 ? 6 : this.phone >= 0 ? 8 : this.card >= 0 ? 13 : Infinity;
    this.numeric = this.minDigits === Infinity ? undefined : new NumericScanner({ phone: this.phone, card: this.card, nationalId: this.nationalId });
    this.enabled = on.size > 0;
  }

  /** Fills `this.spans` (normalized) and returns how many there are. */
  private collect(text: string): number {
    const spans = this.spans;
    spans.reset();
    if (!this.enabled || text.length === 0) return 0;
    if (this.email >= 0 && text.includes('@')) findEmails(text, this.email, spans);
    if (this.apiKey >= 0 && text.includes('AIza')) findGcpApiKeys(text, this.apiKey, spans);
    if (this.privateKey >= 0) {
      if (text.includes('-----BEGIN ')) findPemPrivateKeys(text, this.privateKey, spans);
      if (text.includes('"private_key"')) findPrivateKeyProperties(text, this.privateKey, spans);
    }
    if (this.jwt >= 0 && text.includes('eyJ')) findJwts(text, this.jwt, spans);
    if (this.numeric !== undefined) {
      const digits = countDigits(text, 13);
      if (digits >= this.minDigits) {
        // Each numeric detector re-checks its own minimum through its window rules.
        this.numeric.scan(text, spans);
        if (this.nationalId >= 0) findUkNinos(text, this.nationalId, spans);
      }
    }
    if (spans.length > 1) spans.normalize();
    else if (spans.length === 1) {
      spans.merged[0] = 1 << spans.detectors[0]!;
      spans.pure[0] = true;
    }
    return spans.length;
  }

  /**
   * Masks every detected span. Detectors look at a span's neighbours (a card number glued to a
   * letter is not one), and a marker is a new neighbour: masking one span can expose another
   * (`bob@example.com+44 20 7946 0958`: the `+` only starts a phone number once the e-mail
   * before it is gone). So the output is scanned again until nothing new is found (at most
   * MAX_PASSES, in practice two): re-scanning the result of `scan` always finds nothing.
   * Only values with a detection pay for the extra pass.
   */
  scan(text: string): ScanResult | undefined {
    let n = this.collect(text);
    if (n === 0) return undefined;
    let out = text;
    let bits = 0;
    for (let pass = 0; pass < MAX_PASSES && n > 0; pass++) {
      bits |= this.mergedBits(n);
      out = this.apply(out, n);
      n = this.collect(out);
    }
    const hits: DetectorName[] = [];
    for (let d = 0; d < DETECTORS.length; d++) if (bits & (1 << d)) hits.push(DETECTORS[d]!);
    return { text: out, hits };
  }

  private mergedBits(n: number): number {
    let bits = 0;
    for (let i = 0; i < n; i++) bits |= this.spans.merged[i]!;
    return bits;
  }

  /** Replaces the `n` collected spans of `text`. */
  private apply(text: string, n: number): string {
    const spans = this.spans;
    let out = '';
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const s = spans.starts[i]!;
      const e = spans.ends[i]!;
      out += text.slice(pos, s);
      out += replacementFor(DETECTORS[spans.detectors[i]!]!, text, s, e, spans.pure[i]! ? this.mode : 'redact');
      pos = e;
    }
    return out + text.slice(pos);
  }

  /** The merged detected spans of `text`, as objects: for tests and diagnostics, not the hot path. */
  detect(text: string): Array<{ start: number; end: number; detector: DetectorName }> {
    const n = this.collect(text);
    const out: Array<{ start: number; end: number; detector: DetectorName }> = [];
    for (let i = 0; i < n; i++) {
      out.push({ start: this.spans.starts[i]!, end: this.spans.ends[i]!, detector: DETECTORS[this.spans.detectors[i]!]! });
    }
    return out;
  }

  /**
   * When the whole value (ignoring surrounding white space) is exactly one detection, its
   * detector; used by partial column masking to pick a shape-aware replacement.
   */
  wholeValueDetector(text: string): { detector: DetectorName; start: number; end: number } | undefined {
    if (this.collect(text) !== 1 || !this.spans.pure[0]) return undefined;
    const s = this.spans.starts[0]!;
    const e = this.spans.ends[0]!;
    if (text.slice(0, s).trim() !== '' || text.slice(e).trim() !== '') return undefined;
    return { detector: DETECTORS[this.spans.detectors[0]!]!, start: s, end: e };
  }
}
