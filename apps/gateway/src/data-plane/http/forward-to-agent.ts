// One request through the session to the agent, and its answer back to the caller: an exchange
// of the session's frames (@jitgate/http-session). The body is the one the gateway read (when it
// had to look) or the caller's stream, piped with backpressure. If the caller leaves, the
// exchange is abandoned (the agent then aborts its own request to the target).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_EXCHANGES } from '@jitgate/http-session';
import { upstreamRequestHeaders } from './http-headers.js';
import { HttpRefusal } from './http-refusal.js';
import type { HttpCallerSession } from './http-caller-sessions.js';
import { relayResponse, type RelayOptions, type RelayOutcome } from './upstream-response.js';

export interface Forwarded extends RelayOutcome {
  bytesIn: number;
}

export async function forwardToAgent(session: HttpCallerSession, req: IncomingMessage, res: ServerResponse, target: string, body: Buffer | undefined, relay: RelayOptions): Promise<Forwarded> {
  // Only a caller that pipelines fills a session: its later requests wait for earlier ones to end
  // (their answers go out in order anyway), as the agent would take one more as a breach.
  while (session.exchanges.inFlight >= MAX_EXCHANGES && !session.exchanges.closedBy) await session.exchanges.room();
  return new Promise<Forwarded>((resolve, reject) => {
    const te = req.headers['transfer-encoding'];
    // Node's server decodes the chunked coding only; a body under another coding could not be
    // passed on faithfully.
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return reject(new HttpRefusal(400, 'bad_request', 'only the chunked transfer-coding is accepted'));
    let bytesIn = body?.length ?? 0;
    const headers = upstreamRequestHeaders(req.headers, { readsAnswer: relay.masker !== null || relay.rewriteBody !== undefined || relay.sse !== null, bodyLength: body?.length });
    const exchange = session.exchanges.request(
      { method: req.method ?? 'GET', target, headers, chunked: body === undefined && te !== undefined },
      {
        // Synchronous with the head's arrival: relayResponse attaches its listeners before any
        // later frame can end the answer.
        response: (answer) =>
          relayResponse(answer, res, relay).then(
            (outcome) => resolve({ ...outcome, bytesIn }),
            (error: unknown) => {
              // An answer left unread would hold the whole session's stream.
              answer.destroy();
              reject(error);
            },
          ),
        failed: (error) =>
          reject(
            session.ended
              ? new HttpRefusal(403, 'session_ended', `the session has ended: ${session.ended}`, true)
              : new HttpRefusal(502, 'target_unreachable', `the agent did not answer (${error.message})`, true),
          ),
      },
    );
    res.once('close', () => {
      if (!res.writableFinished) exchange.abort('the caller left');
    });
    if (body) {
      exchange.body.end(body);
    } else {
      req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      req.pipe(exchange.body);
    }
  });
}
