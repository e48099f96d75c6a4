// Header lines as heads carry them (name, value; in order, repeats kept) and the shapes Node's
// HTTP code reads: `rawHeaders` and `headers` folded the way IncomingMessage folds them, so that
// code written against Node's request and response objects reads a head the same way.
import { create } from '@bufbuild/protobuf';
import { HttpHeaderSchema, type HttpHeader } from '@jitgate/proto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Lines of an outgoing header object: arrays become repeated lines, names lower-cased. */
export function headerLines(headers: OutgoingHttpHeaders): HttpHeader[] {
  const lines: HttpHeader[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (Array.isArray(value)) for (const one of value) lines.push(create(HttpHeaderSchema, { name: lower, value: one }));
    else lines.push(create(HttpHeaderSchema, { name: lower, value: String(value) }));
  }
  return lines;
}

/** Node's `rawHeaders`: name, value, name, value… */
export function rawHeaders(lines: readonly HttpHeader[]): string[] {
  const raw: string[] = [];
  for (const line of lines) raw.push(line.name, line.value);
  return raw;
}

// IncomingMessage's folding (Node's documentation of message.headers): for these a repeat is
// dropped; set-cookie is always an array; cookie repeats join with "; "; others with ", ".
const FIRST_ONLY: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

export function foldedHeaders(lines: readonly HttpHeader[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const { name, value } of lines) {
    const seen = headers[name];
    if (name === 'set-cookie') {
      if (Array.isArray(seen)) seen.push(value);
      else headers[name] = [value];
    } else if (seen === undefined) {
      headers[name] = value;
    } else if (!FIRST_ONLY.has(name)) {
      headers[name] = `${seen as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return headers as IncomingHttpHeaders;
}
