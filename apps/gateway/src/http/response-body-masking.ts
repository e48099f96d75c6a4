// Masking of a response body read whole (docs/http.md, "Masking"). JSON is masked by property
// name, JSON path and detectors (with an optional rewrite first: BigQuery rows, MCP results);
// anything else that is valid UTF-8 is scanned as text, whatever its declared type, so that a
// CSV labelled application/octet-stream is not a way around the detectors. Only bytes that are
// not text pass as they are. Encoded bodies are decoded first (the gateway asks for identity
// encoding when it masks, but a target may ignore that).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Masker } from '@jitgate/masking';

export interface MaskedBody {
  body: Buffer;
  /** Values replaced (property, path and detector hits). */
  maskedValues: number;
  /** False when the bytes are the ones received (headers may stay as they were). */
  changed: boolean;
}

export interface BodyMaskOptions {
  jsonPaths: string[];
  /** Rewrites parsed JSON before the generic masking (e.g. BigQuery rows by schema). */
  rewriteJson?: (value: unknown) => { value: unknown; maskedValues: number };
}

export class UnmaskableBody extends Error {}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeContent(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      throw new UnmaskableBody(`the target's response is encoded as ${encoding}, which the gateway cannot read to mask`);
  }
}

export function isJsonType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

export function maskBody(raw: Buffer, contentType: string | undefined, contentEncoding: string | undefined, masker: Masker, options: BodyMaskOptions): MaskedBody {
  let decoded: Buffer;
  try {
    decoded = decodeContent(raw, contentEncoding);
  } catch (error) {
    if (error instanceof UnmaskableBody) throw error;
    throw new UnmaskableBody('the target sent a body whose encoding does not decode');
  }
  const wasEncoded = decoded !== raw;
  let text: string;
  try {
    text = fatalUtf8.decode(decoded);
  } catch {
    // Not text: detectors have nothing to read, and there are no properties to match.
    return { body: decoded, maskedValues: 0, changed: wasEncoded };
  }
  if (isJsonType(contentType)) {
    let parsed: unknown;
    let json = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      json = false;
    }
    if (json) {
      let maskedValues = 0;
      if (options.rewriteJson) {
        const rewritten = options.rewriteJson(parsed);
        parsed = rewritten.value;
        maskedValues += rewritten.maskedValues;
      }
      const result = masker.maskJson(parsed, { paths: options.jsonPaths });
      maskedValues += result.hits.length + result.maskedPaths;
      if (maskedValues === 0) return { body: decoded, maskedValues: 0, changed: wasEncoded };
      return { body: Buffer.from(JSON.stringify(result.value)), maskedValues, changed: true };
    }
  }
  const scanned = masker.scanText(text);
  if (!scanned) return { body: decoded, maskedValues: 0, changed: wasEncoded };
  return { body: Buffer.from(scanned.text), maskedValues: scanned.hits.length, changed: true };
}
