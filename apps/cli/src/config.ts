// The CLI's settings, read once from the environment (main.ts passes process.env; nothing else
// reads it) and overridden by flags. The token comes only from the environment: a --token flag
// would leave it in shell history and in every process listing.
import { DEFAULT_PORTS } from '@jitgate/contracts';
import { CliError, usageError } from './errors.js';

export const DEFAULT_API_URL = `http://localhost:${DEFAULT_PORTS.api}`;
/** The gateway's client listener (JITGATE_TCP_PORT, docs/tunnel.md). */
export const DEFAULT_PROXY_PORT = DEFAULT_PORTS.client;
/** The gateway's HTTP port (JITGATE_HTTP_PORT, docs/http.md). */
export const DEFAULT_HTTP_PROXY_PORT = DEFAULT_PORTS.http;

export type Env = Readonly<Record<string, string | undefined>>;

export interface HostPort {
  host: string;
  port: number;
}

export interface CliConfig {
  /** Base URL of the REST API. */
  apiUrl: URL;
  /** Bearer token; commands that call the gateway ask for it with requireToken(). */
  token: string | undefined;
  /** The gateway's TCP listener that `jitgate connect` dials. */
  proxy: HostPort;
  /**
   * The gateway's HTTP port that `jitgate connect` forwards HTTP connections to (origin only).
   * `http:` unless given as https:// (or `connect --tls`).
   */
  httpProxy: URL;
}

export interface ConfigFlags {
  url?: string | undefined;
  proxy?: string | undefined;
  httpProxy?: string | undefined;
}

export function loadConfig(env: Env, flags: ConfigFlags = {}): CliConfig {
  const apiUrl = parseApiUrl(flags.url ?? nonEmpty(env.JITGATE_URL) ?? DEFAULT_API_URL, flags.url ? '--url' : 'JITGATE_URL');
  const proxyText = flags.proxy ?? nonEmpty(env.JITGATE_PROXY);
  const proxy = proxyText ? parseHostPort(proxyText, flags.proxy ? '--proxy' : 'JITGATE_PROXY') : { host: stripBrackets(apiUrl.hostname), port: DEFAULT_PROXY_PORT };
  const httpProxyText = flags.httpProxy ?? nonEmpty(env.JITGATE_HTTP_PROXY);
  const httpProxy = httpProxyText ? parseHttpProxy(httpProxyText, flags.httpProxy ? '--http-proxy' : 'JITGATE_HTTP_PROXY') : new URL(`http://${apiUrl.hostname}:${DEFAULT_HTTP_PROXY_PORT}`);
  return { apiUrl, token: nonEmpty(env.JITGATE_TOKEN?.trim()), proxy, httpProxy };
}

/** `http(s)://host[:port]` (a path is not allowed: the gateway serves `/c/<connection>/` at its root), or `host:port`. */
export function parseHttpProxy(text: string, source: string): URL {
  if (!text.includes('://')) {
    const { host, port } = parseHostPort(text, source);
    return new URL(`http://${formatHostPort({ host, port })}`);
  }
  const url = parseApiUrl(text, source);
  if (url.pathname !== '/' || url.search || url.hash) throw usageError(`${source} must be the gateway's HTTP port without a path, e.g. http://gateway.example.com:${DEFAULT_HTTP_PROXY_PORT}, not "${text}"`);
  return url;
}

/** The token, or an auth error that says where to put one. Never echoes the value. */
export function requireToken(config: CliConfig): string {
  const token = config.token;
  if (!token) throw new CliError('auth', 'no token: set JITGATE_TOKEN (the gateway prints the first admin token; POST /v1/identities/:id/tokens issues more)');
  // The handshake line and the Authorization header are both single lines of visible ASCII.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError('auth', 'JITGATE_TOKEN must be one word of visible ASCII characters (no spaces or line breaks)');
  return token;
}

export function parseApiUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`${source} is not a URL: "${text}" (e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${source} must be an http:// or https:// URL, not "${text}"`);
  if (url.username || url.password) throw usageError(`${source} must not carry credentials; use JITGATE_TOKEN`);
  return url;
}

/** `host:port`, `[v6]:port`. */
export function parseHostPort(text: string, source: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw usageError(`${source} must be host:port (e.g. gateway.example.com:${DEFAULT_PROXY_PORT}), not "${text}"`);
  return { host: (match[1] ?? match[2]) as string, port };
}

export function parsePort(text: string, source: string, { allowZero }: { allowZero: boolean }): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535 && (port >= 1 || (allowZero && port === 0)))) {
    throw usageError(`${source} must be a port number${allowZero ? ' (0 picks a free one)' : ''}, not "${text}"`);
  }
  return port;
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Local addresses only this machine reaches (a listener elsewhere lends the grant to anyone who can reach it). */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === 'localhost';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
