import net from 'node:net';
import { ServiceRefusedError, type ProbeResult } from './local-service.js';
import { describeError } from './net.js';
import { redactUrl } from './url.js';

/** One RESP command as the array of bulk strings Redis expects. */
function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/**
 * Sends PING (after AUTH when the URL carries credentials) over a plain TCP socket and reads the
 * one-line replies. A raw socket instead of a client library: a client would retry and queue
 * where we want a yes or no within `timeoutMs`.
 */
export async function pingRedis(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new Error(`unsupported Redis URL scheme in ${redactUrl(url)}: use redis://`);
  const commands: string[][] = [];
  if (parsed.password) {
    const password = decodeURIComponent(parsed.password);
    commands.push(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), password] : ['AUTH', password]);
  }
  commands.push(['PING']);
  // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port ? Number(parsed.port) : 6379;

  let replies: string[];
  try {
    replies = await exchange(host, port, commands.map(encodeCommand).join(''), commands.length, timeoutMs);
  } catch (error) {
    return { up: false, reason: describeError(error) };
  }
  for (const reply of replies) {
    if (reply.startsWith('-LOADING')) return { up: false, reason: 'Redis is loading its dataset' };
    if (reply.startsWith('-')) {
      throw new ServiceRefusedError(`Redis at ${redactUrl(url)} answered but refused us: ${reply.slice(1)}`);
    }
    if (!reply.startsWith('+')) return { up: false, reason: `something answered at ${host}:${port}, but not as Redis` };
  }
  return replies.at(-1) === '+PONG' ? { up: true } : { up: false, reason: `unexpected reply ${JSON.stringify(replies.at(-1))}` };
}

function exchange(host: string, port: number, request: string, expectedLines: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffered = '';
    const finish = (error: Error | undefined, lines?: string[]): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve(lines ?? []);
    };
    socket.setTimeout(timeoutMs, () => finish(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\r\n');
      // A server that is not Redis may never send CRLF: cap what we keep.
      if (buffered.length > 4096) return finish(undefined, [buffered.slice(0, 64)]);
      if (lines.length > expectedLines) finish(undefined, lines.slice(0, expectedLines));
    });
    socket.once('end', () => finish(new Error('connection closed before a reply')));
  });
}
