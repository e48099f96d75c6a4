// How the agent reaches a target, by connection type. Only `tcp` exists today: a plain TCP
// connection to the assignment's host:port with no credential (the client brings its own
// protocol-level login). Types that inject credentials (postgres, gcp…) add dialers here.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import type { ConnectionAssignment } from '@jitgate/proto';

export interface DialOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

export interface TargetDialer {
  dial(assignment: ConnectionAssignment, options: DialOptions): Promise<Duplex>;
}

export type TargetDialers = ReadonlyMap<string, TargetDialer>;

/** A failure to reach the target, with a message fit for SessionOpened.error (no secret in it). */
export class TargetDialError extends Error {}

const tcpSettings = z.object({
  host: z
    .string()
    .min(1)
    .max(253)
    .transform((host) => host.replace(/^\[(.*)\]$/, '$1')),
  port: z.number().int().min(1).max(65_535),
});

function parseSettings(json: string): z.output<typeof tcpSettings> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new TargetDialError('connection settings are not valid JSON');
  }
  const parsed = tcpSettings.safeParse(raw);
  if (!parsed.success) throw new TargetDialError('connection settings need host and port');
  return parsed.data;
}

export const tcpDialer: TargetDialer = {
  dial(assignment, { signal, timeoutMs }) {
    const { host, port } = parseSettings(assignment.settingsJson);
    return new Promise<Duplex>((resolve, reject) => {
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
  },
};

export const defaultTargetDialers: TargetDialers = new Map([['tcp', tcpDialer]]);
