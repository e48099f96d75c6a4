// One request through the session to the agent, and its answer back to the caller. The body is
// the one the gateway read (when it had to look) or the caller's stream, piped with
// backpressure. If the caller leaves, the request to the agent is abandoned (the agent then
// aborts its own request to the target).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { upstreamRequestHeaders } from './http-headers.js';
import { HttpRefusal } from './http-refusal.js';
import type { HttpCallerSession } from './http-caller-sessions.js';
import { relayResponse, type RelayOptions, type RelayOutcome } from './upstream-response.js';

export interface Forwarded extends RelayOutcome {
  bytesIn: number;
}

export function forwardToAgent(session: HttpCallerSession, req: IncomingMessage, res: ServerResponse, target: string, body: Buffer | undefined, relay: RelayOptions): Promise<Forwarded> {
  return new Promise<Forwarded>((resolve, reject) => {
    let bytesIn = body?.length ?? 0;
    let answered = false;
    const headers = upstreamRequestHeaders(req.headers, { identityEncoding: relay.masker !== null || relay.rewriteBody !== undefined, bodyLength: body?.length });
    const upstream = http.request({ agent: session.agent, method: req.method, path: target, headers, host: 'jitgate-session.invalid' });
    upstream.on('response', (response) => {
      answered = true;
      relayResponse(response, res, relay).then((outcome) => resolve({ ...outcome, bytesIn }), reject);
    });
    upstream.on('error', (error) => {
      if (answered) return;
      reject(session.ended ? new HttpRefusal(403, 'session_ended', `the session has ended: ${session.ended}`, true) : new HttpRefusal(502, 'target_unreachable', `the agent did not answer (${error.message})`, true));
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body) {
      upstream.end(body);
    } else {
      req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      req.pipe(upstream);
    }
  });
}
