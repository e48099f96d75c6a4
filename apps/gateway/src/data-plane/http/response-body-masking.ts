// Masking of a response body read whole (docs/http.md, "Masking"). It fails closed: a body is
// delivered only as the masker read it, so what the masker cannot read is refused (UnmaskableBody,
// answered as 502 unmaskable_body), never passed. Readable means: decoded from gzip, deflate or br
// if the target encoded it (the gateway asks for identity, but a target may ignore that); a
// charset of UTF-8 or US-ASCII, or none; valid UTF-8 with no NUL (UTF-16 text is valid UTF-8
// when it is ASCII, and no detector reads it); JSON under a JSON type, with no duplicate key.
// Any body that parses as JSON is masked as JSON (property names, paths, detectors), whatever
// its declared type, and so is each line of newline-delimited JSON; other text is scanned by the
// detectors, so a CSV labelled application/octet-stream is not a way around them.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Masker } from '@jitgate/masking';
import { hasDuplicateKey } from './json-duplicate-keys.js';

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

/** A body the masker cannot read; the message says why, for the caller's 502. */
export class UnmaskableBody extends Error {}

/** A body as the masker reads it: unencoded bytes and their text. */
export interface ReadableBody {
  bytes: Buffer;
  text: string;
  /** The bytes are not the ones received (a Content-Encoding was undone). */
  decoded: boolean;
}

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

/** Charsets that read bytes below 0x80 as ASCII, one byte a character (not UTF-7, not UTF-16). */
const ASCII_SUPERSETS = /^(iso-8859-\d{1,2}|iso_8859-1|latin1|windows-125\d|cp125\d)$/;

/**
 * Why text under `contentType` would not be read as UTF-8 by the caller (a `charset` other than
 * UTF-8 or US-ASCII: UTF-7 spells `@` as `+AEA-`), or null. `asciiOnly`: the bytes are all below
 * 0x80, which a single-byte ASCII superset (ISO-8859-*, windows-125*) reads as UTF-8 does.
 */
export function foreignCharset(contentType: string | undefined, asciiOnly = false): string | null {
  for (const param of (contentType ?? '').split(';').slice(1)) {
    const [name, ...rest] = param.split('=');
    if (name?.trim().toLowerCase() !== 'charset') continue;
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, (_m, inner: string) => inner)
      .toLowerCase();
    if (value === 'utf-8' || value === 'utf8' || value === 'us-ascii' || (asciiOnly && ASCII_SUPERSETS.test(value))) continue;
    return `the response is in charset ${value.slice(0, 40)}, which the gateway does not read to mask`;
  }
  return null;
}

const isAscii = (bytes: Buffer): boolean => !bytes.some((b) => b >= 0x80);

/** Text the masker can read; throws UnmaskableBody saying why not. */
export function readableText(bytes: Buffer, contentType: string | undefined): string {
  const charset = foreignCharset(contentType) === null ? null : foreignCharset(contentType, isAscii(bytes));
  if (charset !== null) throw new UnmaskableBody(charset);
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    throw new UnmaskableBody('the response is not UTF-8 text, which is all the gateway can read to mask');
  }
  if (text.includes('\u0000')) throw new UnmaskableBody('the response holds NUL characters (UTF-16 or binary data), which the gateway cannot read to mask');
  return text;
}

/** Decodes and checks a body received with `contentEncoding`; throws UnmaskableBody. */
export function readableBody(raw: Buffer, contentType: string | undefined, contentEncoding: string | undefined): ReadableBody {
  // Nothing to read (HEAD, 204, 304): whatever headers say of an encoding or a charset.
  if (raw.length === 0) return { bytes: raw, text: '', decoded: false };
  let bytes: Buffer;
  try {
    bytes = decodeContent(raw, contentEncoding);
  } catch (error) {
    if (error instanceof UnmaskableBody) throw error;
    throw new UnmaskableBody('the target sent a body whose encoding does not decode');
  }
  return { bytes, text: readableText(bytes, contentType), decoded: bytes !== raw };
}

export function maskReadable(body: ReadableBody, contentType: string | undefined, masker: Masker, options: BodyMaskOptions): MaskedBody {
  const unchanged: MaskedBody = { body: body.bytes, maskedValues: 0, changed: body.decoded };
  if (body.text.length === 0) return unchanged;
  const json = parseJson(body.text);
  if (json === NOT_JSON) {
    if (isJsonType(contentType)) throw new UnmaskableBody('the response is declared JSON but does not parse as JSON');
    const lines = maskJsonLines(body.text, masker, options.jsonPaths);
    if (lines !== null) return lines.maskedValues === 0 ? unchanged : { body: Buffer.from(lines.text), maskedValues: lines.maskedValues, changed: true };
    const scanned = masker.scanText(body.text);
    return scanned ? { body: Buffer.from(scanned.text), maskedValues: scanned.hits.length, changed: true } : unchanged;
  }
  let value = json;
  let maskedValues = 0;
  if (options.rewriteJson) {
    const rewritten = options.rewriteJson(value);
    value = rewritten.value;
    maskedValues += rewritten.maskedValues;
  }
  const result = masker.maskJson(value, { paths: options.jsonPaths });
  maskedValues += result.hits.length + result.maskedPaths;
  if (maskedValues === 0) return unchanged;
  return { body: Buffer.from(JSON.stringify(result.value)), maskedValues, changed: true };
}

export function maskBody(raw: Buffer, contentType: string | undefined, contentEncoding: string | undefined, masker: Masker, options: BodyMaskOptions): MaskedBody {
  return maskReadable(readableBody(raw, contentType, contentEncoding), contentType, masker, options);
}

/**
 * One server-sent event's data, masked by the same rules as a body: JSON by property, path and
 * detectors, other text by the detectors.
 */
export function maskEventData(data: string, masker: Masker, jsonPaths: string[]): string {
  const json = data.trim() === '' ? NOT_JSON : parseJson(data);
  if (json === NOT_JSON) return masker.scanText(data)?.text ?? data;
  const result = masker.maskJson(json, { paths: jsonPaths });
  return result.hits.length + result.maskedPaths === 0 ? data : JSON.stringify(result.value);
}

/**
 * Newline-delimited JSON (one value a line; blank lines allowed) masked line by line, or null when
 * some line is not JSON. Lines with nothing masked keep their bytes; line ends are kept.
 */
function maskJsonLines(text: string, masker: Masker, jsonPaths: string[]): { text: string; maskedValues: number } | null {
  const lines = text.split('\n');
  if (lines.filter((l) => l.trim() !== '').length < 2) return null;
  let maskedValues = 0;
  const out: string[] = [];
  for (const line of lines) {
    const cr = line.endsWith('\r') ? '\r' : '';
    const content = cr ? line.slice(0, -1) : line;
    if (content.trim() === '') {
      out.push(line);
      continue;
    }
    const value = parseJson(content);
    if (value === NOT_JSON) return null;
    const result = masker.maskJson(value, { paths: jsonPaths });
    const hits = result.hits.length + result.maskedPaths;
    maskedValues += hits;
    out.push(hits === 0 ? line : JSON.stringify(result.value) + cr);
  }
  return { text: out.join('\n'), maskedValues };
}

const NOT_JSON = Symbol('not JSON');

/**
 * The value of JSON text (a leading byte order mark allowed: lenient clients skip it), or
 * NOT_JSON. JSON with a duplicate key is refused: the masker would see only the last value.
 */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return NOT_JSON;
  }
  if (hasDuplicateKey(body)) throw new UnmaskableBody('the response is JSON with a key named twice in one object, which readers take differently');
  return value;
}
