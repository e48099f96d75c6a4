// Opens one session through the gateway: connect (TCP, or TLS with --tls), send the request
// line, read the answer line. On 200 the socket is handed back paused, with any bytes that came
// after the answer put back, ready to be piped.
import net from 'node:net';
import tls from 'node:tls';
import { MAX_HANDSHAKE_ANSWER_BYTES, parseHandshakeAnswer } from '@jitgate/contracts';
import { describeSocketCode } from '../api-client.js';
import type { HostPort } from '../config.js';
import { formatHostPort } from '../config.js';
import { CliError, printable } from '../errors.js';
import { refusalError, requestLine } from './handshake.js';

export interface DialOptions {
  proxy: HostPort;
  connection: string;
  token: string;
  /** TLS to the listener; `ca` adds trusted certificates (PEM) to the system's. */
  tls?: { ca?: Buffer } | undefined;
  /** Connect and answer must both arrive within this time. */
  timeoutMs?: number;
}

export interface GatewaySession {
  socket: net.Socket;
  sessionId: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function openGatewaySession(options: DialOptions): Promise<GatewaySession> {
  const line = requestLine(options.connection, options.token);
  const where = formatHostPort(options.proxy);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return new Promise<GatewaySession>((resolve, reject) => {
    const socket = options.tls ? tls.connect(tlsOptions(options.proxy, options.tls.ca)) : net.connect({ host: options.proxy.host, port: options.proxy.port, allowHalfOpen: true });
    socket.setNoDelay(true);
    // Two pipelines (one per direction), the forwarder's bookkeeping and TLS's own listeners add
    // up to more than the default 10 'close' listeners; that is expected, not a leak.
    socket.setMaxListeners(20);

    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: CliError | null, session?: GatewaySession) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        // Until the caller pipes it, an error must not go unhandled; the pipe sees the socket
        // destroyed and reports it.
        socket.on('error', ignore);
        resolve(session as GatewaySession);
      }
    };

    const onConnected = () => socket.write(line);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const newline = received.indexOf(0x0a);
      if (newline === -1) {
        if (received.length > MAX_HANDSHAKE_ANSWER_BYTES) finish(new CliError('unavailable', `${where} answered with something that is not a jitgate handshake`));
        return;
      }
      const answer = parseHandshakeAnswer(received.subarray(0, newline).toString('latin1'));
      if (!answer) {
        finish(new CliError('unavailable', `${where} is not a jitgate gateway listener (unexpected answer "${printable(received.subarray(0, Math.min(newline, 80)).toString('latin1'))}")`));
        return;
      }
      if (!answer.ok) {
        finish(refusalError(options.connection, answer));
        return;
      }
      // Stop the flow before handing over, and put back what came after the answer line: it is
      // the first bytes of the session.
      socket.pause();
      const rest = received.subarray(newline + 1);
      if (rest.length > 0) socket.unshift(rest);
      finish(null, { socket, sessionId: answer.sessionId });
    };
    const onEnd = () => finish(new CliError('unavailable', `the gateway at ${where} closed the connection before answering the handshake`));
    const onError = (error: Error & { code?: string }) => finish(new CliError('unavailable', `cannot reach the gateway's listener at ${where}: ${describeSocketError(error)}`));
    const timer = setTimeout(() => finish(new CliError('unavailable', `the gateway at ${where} did not answer the handshake within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);

    socket.once(options.tls ? 'secureConnect' : 'connect', onConnected);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });
}

/**
 * tls.connect() honours allowHalfOpen (it passes it to the TLSSocket) but @types/node does not
 * declare it; without it a FIN from the gateway would close our sending side too.
 */
function tlsOptions(proxy: HostPort, ca: Buffer | undefined): tls.ConnectionOptions {
  const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
    host: proxy.host,
    port: proxy.port,
    servername: net.isIP(proxy.host) ? undefined : proxy.host,
    allowHalfOpen: true,
  };
  if (ca) options.ca = [...tls.rootCertificates, ca.toString('utf8')];
  return options;
}

function describeSocketError(error: Error & { code?: string }): string {
  if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT') || error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `TLS: ${printable(error.message)} (trust its CA with --ca or NODE_EXTRA_CA_CERTS)`;
  }
  return error.code ? describeSocketCode(error.code) : printable(error.message);
}

function ignore(): void {}
