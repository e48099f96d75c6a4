// JITGATE_GATEWAY is either a list of host:port addresses (one tunnel each) or one DNS name
// whose every address gets a tunnel: behind a headless Kubernetes Service that is one tunnel
// per gateway replica, and re-resolving picks up replicas that appear later.
import { isIP } from 'node:net';

export interface HostPort {
  /** Without brackets, also for IPv6. */
  host: string;
  port: number;
}

export type GatewaySetting = { kind: 'static'; addresses: HostPort[] } | { kind: 'dns'; name: HostPort };

/** One tunnel's destination. */
export interface TunnelEndpoint {
  /** What gRPC dials ("10.0.0.7:8443", "[fd00::7]:8443"): also the tunnel's key and its `gateway` in logs. */
  target: string;
  /** Set when `target` is one address of a DNS name: the TLS server name and :authority to present. */
  name?: HostPort;
}

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseHostPort(entry: string): HostPort {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
  if (!match) throw new Error('each address must be host:port (IPv6 as [addr]:port)');
  const host = (match[1] ?? match[2]) as string;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) throw new Error('ports must be between 1 and 65535');
  if (match[1] !== undefined ? isIP(host) !== 6 : isIP(host) === 0 && !HOST.test(host)) throw new Error('not a valid host name or IP address');
  return { host, port };
}

export function parseGatewaySetting(value: string): GatewaySetting {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new Error('must name at least one host:port');
  const addresses = entries.map(parseHostPort);
  if (new Set(addresses.map(formatHostPort)).size !== addresses.length) throw new Error('lists an address twice');
  const only = addresses[0] as HostPort;
  if (addresses.length === 1 && isIP(only.host) === 0) return { kind: 'dns', name: only };
  return { kind: 'static', addresses };
}

/** Resolves a host name to all of its addresses (getaddrinfo, so /etc/hosts and search domains apply). */
export type HostResolver = (host: string) => Promise<string[]>;

/** The endpoints the agent should hold a tunnel to right now. */
export async function resolveEndpoints(setting: GatewaySetting, resolve: HostResolver): Promise<TunnelEndpoint[]> {
  if (setting.kind === 'static') return setting.addresses.map((address) => ({ target: formatHostPort(address) }));
  const ips = [...new Set(await resolve(setting.name.host))].sort();
  if (ips.length === 0) throw new Error(`${setting.name.host} resolved to no address`);
  return ips.map((ip) => ({ target: formatHostPort({ host: ip, port: setting.name.port }), name: setting.name }));
}
