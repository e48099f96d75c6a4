// What the agent changes on a request and a response between the gateway and the target
// (docs/http.md "At the agent"): requests it refuses, hop-by-hop headers (RFC 9110 §7.6.1) and
// anything naming credentials removed, Host set to the target, the path appended to the root.
// Pure functions; http-headers.spec.ts pins them.
import { JITGATE_HEADER_PREFIX } from '@jitgate/contracts';
import type { GatewayRequest } from '@jitgate/http-session';

/** What these functions read of a request from the gateway. */
export type RequestHead = Pick<GatewayRequest, 'method' | 'url' | 'headers' | 'rawHeaders' | 'chunked' | 'framingProblem'>;

// Single values as strings: Node's client insists on a string `host`.
export type HeaderMap = Record<string, string | string[]>;

const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
// Never forwarded upstream: the target's credential is the agent's to set; `host` is the
// target's; `expect` belongs to the caller's hop (the gateway answered or dropped it).
const REQUEST_ONLY_DROPS: ReadonlySet<string> = new Set(['authorization', 'host', 'expect']);

function isHopByHop(name: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name);
}

/** Header names listed in Connection (they are hop-by-hop too). */
function connectionNamed(raw: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (raw[i + 1] as string).split(',')) {
      const name = token.trim().toLowerCase();
      if (name) named.add(name);
    }
  }
  return named;
}

/** rawHeaders pairs, lower-cased and grouped (repeats kept as separate lines), without those `drop` names. */
export function filtered(raw: readonly string[], drop: (name: string) => boolean): HeaderMap {
  const headers: HeaderMap = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (drop(name)) continue;
    const value = raw[i + 1] as string;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return headers;
}

/**
 * Why the agent refuses this request (400), or undefined. Only origin-form targets: an
 * absolute-form (`http://other/…`) or asterisk-form target would name another resource than
 * the connection's, and `CONNECT`/`Upgrade` would turn the session into a raw tunnel past
 * the gateway's per-request checks.
 */
export function refusalOf(req: RequestHead): string | undefined {
  const url = req.url;
  if (req.framingProblem !== undefined) return req.framingProblem;
  if (req.method === 'CONNECT') return 'CONNECT is not forwarded';
  if (!url.startsWith('/')) return 'the request target must be a path starting with /';
  if (hasDotSegment(url)) return 'the path must not contain . or .. segments';
  if (req.headers.upgrade !== undefined) return 'protocol upgrades are not forwarded';
  const te = req.headers['transfer-encoding'];
  // The body's framing is the session's (req.chunked); a coding other than chunked could not be
  // re-framed faithfully, and a gateway never sends one.
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return 'only the chunked transfer-coding is accepted';
  return undefined;
}

/**
 * `.`/`..` segments (also percent-encoded, or between encoded slashes or backslashes, which some
 * servers decode or read as slashes): a target that normalises them would serve a path outside
 * the connection's root.
 */
function hasDotSegment(requestTarget: string): boolean {
  const q = requestTarget.indexOf('?');
  const path = (q < 0 ? requestTarget : requestTarget.slice(0, q)).replace(/%2e/gi, '.').replace(/%2f|%5c/gi, '/');
  return path.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

/** The headers sent to the target. `bearer` is set as Authorization when given. */
export function upstreamRequestHeaders(req: RequestHead, host: string, bearer: string | undefined): HeaderMap {
  const named = connectionNamed(req.rawHeaders);
  const headers = filtered(req.rawHeaders, (name) => isHopByHop(name, named) || REQUEST_ONLY_DROPS.has(name) || name.startsWith(JITGATE_HEADER_PREFIX));
  headers['host'] = host;
  // A body of unknown length stays chunked: Node would send a GET or DELETE body unframed.
  if (req.chunked && headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
  if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
  return headers;
}

/**
 * The headers sent back to the gateway. `x-jitgate-*` is the agent's and the gateway's own
 * vocabulary (x-jitgate-error): a target must not be able to forge it.
 */
export function downstreamResponseHeaders(raw: readonly string[]): HeaderMap {
  const named = connectionNamed(raw);
  return filtered(raw, (name) => isHopByHop(name, named) || name.startsWith(JITGATE_HEADER_PREFIX));
}

/**
 * A `Location` on the target's own root, made relative to it (`/upload/…?upload_id=…`), so that
 * the caller follows it back through jitgate instead of going to the target directly (Cloud
 * Storage's resumable uploads answer with their session URI). Other locations pass unchanged.
 */
export function relativeLocation(location: string, origin: string, basePath: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location;
  }
  if (url.origin !== origin) return location;
  const rest = `${url.pathname}${url.search}`;
  if (basePath === '') return rest;
  if (url.pathname === basePath) return `/${url.search}`;
  return url.pathname.startsWith(`${basePath}/`) ? rest.slice(basePath.length) : location;
}

/**
 * The path sent to the target: the request's path appended to the root's, by concatenation —
 * never URL resolution, so `//evil.example/x` or `/../x` stay paths on the fixed origin. A
 * request path of exactly `/` is the root itself (an MCP endpoint `https://x/mcp` is `/`).
 */
export function upstreamPath(basePath: string, requestTarget: string): string {
  const q = requestTarget.indexOf('?');
  const path = q < 0 ? requestTarget : requestTarget.slice(0, q);
  const query = q < 0 ? '' : requestTarget.slice(q);
  const joined = path === '/' ? basePath || '/' : `${basePath}${path}`;
  return `${joined}${query}`;
}
