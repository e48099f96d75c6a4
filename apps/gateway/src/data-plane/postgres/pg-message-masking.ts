// Masking of what the server says besides rows (docs/postgres.md, "What the client sees"): error
// and notice fields, and NOTIFY payloads. An error may quote a value (`invalid input syntax for
// type integer: "Ada Lovelace"`, a duplicate key's detail, a function's RAISE), so:
// - the content detectors scan every text field of every error and notice;
// - when the statement that failed reads a masked column (or what it reads is unknown), the
//   fields that can quote a value are withheld whole: the client keeps the SQLSTATE, severity and
//   position, and is told why the text is missing.
import type { Masker } from '@jitgate/masking';

/** Fields that carry text which may quote data: message, detail, hint, context, internal query. */
const TEXT_FIELDS = ['M', 'D', 'H', 'W', 'q'] as const;

export const WITHHELD_MESSAGE = "jitgate: the server's message is withheld: the statement reads masked columns, and the message may quote one of their values";

export interface MaskedFields {
  fields: Record<string, string>;
  /** How many fields changed. */
  masked: number;
}

/** The fields of an ErrorResponse or NoticeResponse as the client may see them; undefined when unchanged. */
export function maskNoticeFields(fields: Readonly<Record<string, string>>, masker: Masker, withhold: boolean): MaskedFields | undefined {
  let out: Record<string, string> | undefined;
  let masked = 0;
  if (withhold) {
    out = { ...fields };
    for (const code of TEXT_FIELDS) {
      if (out[code] === undefined) continue;
      masked += 1;
      if (code === 'M') out[code] = WITHHELD_MESSAGE;
      else delete out[code];
    }
    if (out['M'] === undefined) out['M'] = WITHHELD_MESSAGE;
    return { fields: out, masked };
  }
  for (const code of TEXT_FIELDS) {
    const text = fields[code];
    if (text === undefined) continue;
    const found = masker.scanText(text);
    if (!found) continue;
    out ??= { ...fields };
    out[code] = found.text;
    masked += 1;
  }
  return out ? { fields: out, masked } : undefined;
}

/** A NOTIFY's channel and payload as the client may see them; undefined when unchanged. */
export function maskNotification(channel: string, payload: string, masker: Masker): { channel: string; payload: string } | undefined {
  const c = masker.scanText(channel);
  const p = masker.scanText(payload);
  if (!c && !p) return undefined;
  return { channel: c?.text ?? channel, payload: p?.text ?? payload };
}
