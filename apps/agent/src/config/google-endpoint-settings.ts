// Where the agent reaches Google, when not at Google's public addresses: Private Service Connect
// endpoints in production, the local stand-ins in tests. Tokens travel to all of these (the
// agent's own to IAM Credentials and the OAuth endpoint, minted ones to BigQuery and Cloud
// Storage), so plaintext is accepted only on a loopback address, where nothing crosses a network.
import { isIP } from 'node:net';
import { parseHostPort, type HostPort } from '../gateway/gateway-addresses.js';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('must be an https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must be an https:// URL');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new Error('http:// only on a loopback address (127.0.0.1, ::1, localhost); use https://');
  if (url.username || url.password) throw new Error('must not carry a user name or password');
  if (url.search || url.hash) throw new Error('must not have a query or fragment');
  return url;
}

/** An API origin: `https://host[:port]`, no path (the request paths are the API's own). */
export function parseApiOrigin(value: string): string {
  const url = parseUrl(value.trim());
  if (url.pathname !== '/') throw new Error('must be an origin (scheme, host and port) without a path');
  return url.origin;
}

/** The OAuth token endpoint a service-account key posts its signed JWT to. */
export function parseTokenUrl(value: string): string {
  return parseUrl(value.trim()).toString();
}

/** `host:port` of the IAM Credentials gRPC API (IPv6 as `[addr]:port`). */
export function parseGrpcEndpoint(value: string): HostPort {
  return parseHostPort(value.trim());
}
