// Real HTTP(S) targets on loopback for the HTTP dialer's tests, recording what reached them,
// and a bridge that gives dialled sessions to ordinary HTTP clients, each request an exchange
// of the session's frames (what the gateway's HTTP leg does).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { ConnectionAssignmentSchema, type ConnectionAssignment } from '@jitgate/proto';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL, HttpExchangeClient, type AgentAnswer } from '@jitgate/http-session';
import { filtered } from '../../src/targets/http-headers.js';
import type { TargetDialer } from '../../src/targets/target-dialer.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** Filled by the default handler (which reads the whole body). */
  body: Buffer;
  /** Resolves when the target's side of this request closed (finished or aborted). */
  closed: Promise<void>;
}

export type TargetHandler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

export interface TestTarget {
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Echoes what it received as JSON (method, url, headers, body length). */
export const echoHandler: TargetHandler = (req, res, seen) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    seen.body = Buffer.concat(chunks);
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes: seen.body.length });
    res.writeHead(200, { 'content-type': 'application/json', 'x-jitgate-error': 'forged', connection: 'x-hop', 'x-hop': 'secret' });
    res.end(body);
  });
};

/** `keepAliveTimeoutMs`: how long the target keeps an idle connection (Node's default 5 s). */
export async function startTarget(handler: TargetHandler = echoHandler, tls?: { key: Buffer; cert: Buffer }, keepAliveTimeoutMs?: number): Promise<TestTarget> {
  const seen: SeenRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const request: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      closed: new Promise((resolve) => res.once('close', () => resolve())),
    };
    seen.push(request);
    handler(req, res, request);
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function assignment(type: string, settings: Record<string, unknown>, credentialRef = ''): ConnectionAssignment {
  return create(ConnectionAssignmentSchema, { name: `${type}-conn`, type, settingsJson: JSON.stringify(settings), credentialRef });
}

export interface Bridge {
  port: number;
  /** Every session socket dialled (one per TCP connection to the bridge). */
  dialed: Duplex[];
  dialErrors: Error[];
  close(): Promise<void>;
}

/**
 * What the gateway's HTTP leg does, without its checks: each TCP connection to the bridge is one
 * dialled session, and each HTTP request on it one exchange of the session's frames. Heads go
 * on verbatim — hop-by-hop, credential and x-jitgate headers, absolute-form targets, CONNECT —
 * so that what the tests see is the agent's own stripping and refusing.
 */
export async function startBridge(
  dialer: TargetDialer,
  target: ConnectionAssignment,
  grantExpiresAtUnixMs: () => number,
  clientParameters: Record<string, string> = { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL },
): Promise<Bridge> {
  const dialed: Duplex[] = [];
  const dialErrors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const sessions = new WeakMap<net.Socket, Promise<HttpExchangeClient>>();
  const sessionOf = (socket: net.Socket): Promise<HttpExchangeClient> => {
    let session = sessions.get(socket);
    if (!session) {
      const options = { signal: new AbortController().signal, timeoutMs: 5_000, scope: '', clientParameters, grantExpiresAtUnixMs: grantExpiresAtUnixMs() };
      session = dialer.dial(target, options).then(
        ({ socket: sessionSocket }) => {
          dialed.push(sessionSocket);
          socket.once('close', () => sessionSocket.destroy());
          sessionSocket.once('close', () => socket.destroy());
          return new HttpExchangeClient(sessionSocket);
        },
        (error: Error) => {
          dialErrors.push(error);
          socket.destroy();
          throw error;
        },
      );
      sessions.set(socket, session);
    }
    return session;
  };
  const forward = (req: http.IncomingMessage, answerWith: (answer: AgentAnswer) => void, fail: () => void): void => {
    sessionOf(req.socket).then(
      (session) => {
        const exchange = session.request(
          { method: req.method ?? 'GET', target: req.url ?? '/', headers: filtered(req.rawHeaders, () => false), chunked: req.headers['transfer-encoding'] !== undefined },
          { response: answerWith, failed: fail },
        );
        req.pipe(exchange.body);
        req.socket.once('close', () => exchange.abort('the caller left'));
      },
      () => req.socket.destroy(),
    );
  };
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    forward(
      req,
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
        answer.once('close', () => {
          if (!answer.complete) res.destroy();
        });
      },
      () => res.destroy(),
    );
  });
  // CONNECT never reaches a request handler: its answer is written on the socket.
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
    forward(
      req,
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const lines = [];
          for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`);
          socket.end(`HTTP/1.1 ${answer.statusCode} ${http.STATUS_CODES[answer.statusCode] ?? ''}\r\n${lines.join('')}connection: close\r\n\r\n${Buffer.concat(chunks).toString('utf8')}`);
        });
      },
      () => socket.destroy(),
    );
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dialed,
    dialErrors,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request through the bridge; `agent` keeps the connection (and so the session) alive. */
export function send(port: number, init: { method?: string; path: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: init.method ?? 'GET', path: init.path, headers: init.headers, agent: init.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A throwaway CA and a certificate for 127.0.0.1 / localhost (openssl, as tunnel-tls.test.ts). */
export async function testCertificates(): Promise<{ ca: Buffer; key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'jitgate-agent-http-tls-'));
  try {
    const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { cwd: dir });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=jitgate http test CA');
    await openssl('req', ...ec, '-keyout', 'target.key', '-out', 'target.csr', '-subj', '/CN=localhost');
    await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await openssl('x509', '-req', '-in', 'target.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'target.pem', '-days', '2', '-extfile', 'ext.cnf');
    return { ca: await readFile(join(dir, 'ca.pem')), key: await readFile(join(dir, 'target.key')), cert: await readFile(join(dir, 'target.pem')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
