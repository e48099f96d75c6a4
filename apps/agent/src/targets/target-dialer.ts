// How the agent reaches a target, by connection type. `tcp`: a plain TCP connection to the
// assignment's host:port with no credential (the client brings its own protocol-level login).
// `postgres` (postgres-dialer.ts): the agent logs in with the credential it holds.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import { CONNECTION_SETTINGS_READERS, unbracketedHost } from '@jitgate/contracts';
import type { ConnectionAssignment } from '@jitgate/proto';
import type { PostgresRole } from './postgres-login.js';

export interface DialOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** The grant's scope (SessionOpen.scope; '' when it has none). */
  scope: string;
  /** Protocol options the client asked for, filtered by the gateway, and the gateway's own `jitgate.` ones (SessionOpen). */
  clientParameters: Record<string, string>;
  /** The session's grant end (SessionOpen.grant_expires_at): minted credentials must not outlive it. */
  grantExpiresAtUnixMs: number;
}

/** A reached target: its socket (with anything the client must read first unshifted onto it). */
export interface DialedTarget {
  socket: Duplex;
  /** Cancels what runs on the target now (postgres: a CancelRequest with the server's key). */
  cancel?: () => void;
  /** postgres: who the agent is on the server (SessionOpened.postgres_login). */
  postgresLogin?: PostgresRole;
}

export interface TargetDialer {
  dial(assignment: ConnectionAssignment, options: DialOptions): Promise<DialedTarget>;
  /** Every credential reference the connection's sessions may use (default: its credentialRef). */
  credentialRefs?(assignment: ConnectionAssignment): string[];
}

export type TargetDialers = ReadonlyMap<string, TargetDialer>;

/** A failure to reach the target, with a message fit for SessionOpened.error (no secret in it). */
export class TargetDialError extends Error {}

/** The assignment's settings JSON checked against `schema` (CONNECTION_SETTINGS_READERS); `missing` says what it needs. */
export function parseSettings<S extends z.ZodType>(json: string, schema: S, missing: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new TargetDialError('connection settings are not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // The rules' own words (never the values): "settings.url: must not have a query string or fragment".
    const why = parsed.error.issues.slice(0, 3).map((issue) => `settings.${issue.path.join('.')}: ${issue.message}`);
    throw new TargetDialError(`${missing}; ${why.join('; ')}`);
  }
  return parsed.data;
}

export const tcpDialer: TargetDialer = {
  async dial(assignment, { signal, timeoutMs }) {
    const { host, port } = parseSettings(assignment.settingsJson, CONNECTION_SETTINGS_READERS.tcp, 'connection settings need host and port');
    return { socket: await connectTcp(unbracketedHost(host), port, signal, timeoutMs) };
  },
};

/** A TCP connection to host:port, within `timeoutMs`, given up when `signal` aborts. */
export function connectTcp(host: string, port: number, signal: AbortSignal, timeoutMs: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    // allowHalfOpen: the target's FIN and the client's FIN travel separately (HalfClose).
    const socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
    const fail = (message: string): void => {
      cleanup();
      socket.destroy();
      reject(new TargetDialError(message));
    };
    const timer = setTimeout(() => fail(`target ${host}:${port} did not answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const onAbort = (): void => fail('session closed while connecting');
    const onError = (error: NodeJS.ErrnoException): void => fail(`target ${host}:${port} unreachable (${error.code ?? error.message})`);
    const cleanup = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    };
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const defaultTargetDialers: TargetDialers = new Map([['tcp', tcpDialer]]);
