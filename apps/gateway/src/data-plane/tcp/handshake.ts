// The client handshake on JITGATE_TCP_PORT (docs/tunnel.md, "Clients"): one line in, one line
// out, then raw bytes. Pure functions and a bounded line reader; the listener and the broker
// decide what happens.
import type { Duplex } from 'node:stream';
import { MAX_HANDSHAKE_REQUEST_BYTES, parseHandshakeRequest, type HandshakeRequest } from '@jitgate/contracts';
import { AdmissionRefusal } from '../admission/admission-refusal.js';

export const HANDSHAKE_DEADLINE_MS = 10_000;

export const badHandshake = (message: string) => new AdmissionRefusal(400, 'bad_handshake', message);

/** Parses the line without its "\n" (a "\r" before it is tolerated, for hand-typed tests). */
export function parseHandshake(line: string): HandshakeRequest {
  const request = parseHandshakeRequest(line);
  if (!request) throw badHandshake('expected "JITGATE/1 CONNECT <connection> <token>"');
  return request;
}

/**
 * Reads up to the first "\n" within `maxBytes` and `deadlineMs`. Leaves the socket paused, with
 * any bytes after the newline pushed back, so that the session's pipe reads them first.
 */
export function readHandshakeLine(socket: Duplex, maxBytes = MAX_HANDSHAKE_REQUEST_BYTES, deadlineMs = HANDSHAKE_DEADLINE_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (error: AdmissionRefusal | undefined, line?: string, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      if (error) reject(error);
      else resolve(line as string);
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      const upTo = newline === -1 ? chunk.length : newline;
      if (length + upTo + 1 > maxBytes) return finish(badHandshake(`the handshake line is longer than ${maxBytes} bytes`));
      if (newline === -1) {
        chunks.push(chunk);
        length += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, newline));
      const line = Buffer.concat(chunks);
      if (line.some((byte) => byte > 0x7e)) return finish(badHandshake('the handshake line must be ASCII'));
      finish(undefined, line.toString('latin1'), chunk.subarray(newline + 1));
    };
    const onEnd = () => finish(badHandshake('the connection ended before the handshake line'));
    const timer = setTimeout(() => finish(badHandshake(`no handshake line within ${deadlineMs / 1000} s`)), deadlineMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}
