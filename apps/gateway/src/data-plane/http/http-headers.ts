// Which headers cross the gateway (docs/http.md). The caller's token stops here; hop-by-hop
// headers belong to one connection, not to the request (RFC 9110 §7.6.1); X-Jitgate-* is ours.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { httpRoutePath, JITGATE_HEADER_PREFIX } from '@jitgate/contracts';

/**
 * Headers that change what a request means after the gateway decided on it: Google's APIs (and
 * many frameworks) honour a method override, so a checked POST could run as a DELETE.
 */
const MEANING_CHANGERS = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const listed = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

function copied(headers: IncomingHttpHeaders, drop: (name: string) => boolean): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || drop(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Headers that make the target answer with part of a body: the masker reads bodies whole (a
 * range may start inside a character, docs/http.md "Masking"), so a masked request asks for all.
 */
const RANGE_HEADERS = new Set(['range', 'if-range']);

export interface UpstreamHeaderOptions {
  /** The answer will be read here (masked or rewritten): ask for it whole and unencoded. */
  readsAnswer: boolean;
  /** The body was read here: its length is known and Expect is answered already. */
  bodyLength?: number;
}

/** The caller's headers as the agent gets them. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, options: UpstreamHeaderOptions): OutgoingHttpHeaders {
  const out = copied(
    headers,
    (name) =>
      name === 'authorization' ||
      name === 'host' ||
      MEANING_CHANGERS.has(name) ||
      name === 'expect' ||
      name.startsWith(JITGATE_HEADER_PREFIX) ||
      (options.readsAnswer && (name === 'accept-encoding' || RANGE_HEADERS.has(name))) ||
      (options.bodyLength !== undefined && name === 'content-length'),
  );
  if (options.readsAnswer) out['accept-encoding'] = 'identity';
  if (options.bodyLength !== undefined) out['content-length'] = String(options.bodyLength);
  return out;
}

/** The target's headers as the caller gets them; `rewritten` drops what a rewritten body invalidates. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders, rewritten: boolean): OutgoingHttpHeaders {
  return copied(
    headers,
    (name) => name.startsWith(JITGATE_HEADER_PREFIX) || (rewritten && (name === 'content-length' || name === 'content-encoding' || name === 'etag' || name === 'content-md5' || name === 'x-goog-hash')),
  );
}

/**
 * A `Location` the agent made relative to the target's root (`/upload/…`) is put back under the
 * connection's own prefix, so a client following it stays on this gateway (docs/http.md).
 */
export function gatewayLocation(headers: OutgoingHttpHeaders, connection: string): void {
  const location = headers['location'];
  if (typeof location === 'string' && location.startsWith('/') && !location.startsWith('//')) headers['location'] = httpRoutePath(connection, location);
}
