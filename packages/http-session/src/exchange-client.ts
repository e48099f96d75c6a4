// The gateway's end of an HTTP session: each request it decided to forward is an exchange —
// a request head, the body as it comes (with backpressure both ways), then the agent's answer
// as a readable shaped like Node's IncomingMessage (statusCode, headers, complete), so the
// response code reads it as it read Node's. No HTTP/1.1 is parsed or written on this leg.
//
// An exchange, seen from here:
//   awaiting ─RESPONSE_HEAD→ streaming ─END→ done
//      │                        │
//      └──────RESET / abort / session end──→ done (the answer is rejected, or cut: complete stays false)
// The request side runs beside it: head, BODY…, END (or RESET when abandoned).
import { fromBinary, toBinary, create } from '@bufbuild/protobuf';
import { HttpRequestHeadSchema, HttpResetSchema, HttpResponseHeadSchema, type HttpHeader } from '@jitgate/proto';
import type { OutgoingHttpHeaders } from 'node:http';
import { Writable, type Duplex } from 'node:stream';
import { BodyBound, declaredLength } from './body-length.js';
import { FrameWire, SessionClosed } from './frame-wire.js';
import { FramedMessage } from './framed-message.js';
import { FrameType, MAX_EXCHANGES, type Frame } from './frames.js';
import { headerLines } from './header-lines.js';

export interface RequestHeadInit {
  method: string;
  /** Origin-form path and query. */
  target: string;
  headers: OutgoingHttpHeaders;
  /** A body of unknown length follows. */
  chunked: boolean;
}

/** The exchange ended without an answer: the session closed, or the agent or this end gave it up. */
export class ExchangeFailed extends Error {
  override readonly name = 'ExchangeFailed';
}

/** The agent's answer: read it like Node's IncomingMessage. */
export class AgentAnswer extends FramedMessage {
  /** True once the whole body arrived. */
  complete = false;

  constructor(
    readonly statusCode: number,
    lines: readonly HttpHeader[],
    onRead: () => void,
    onDestroy: () => void,
  ) {
    super(lines, onRead, onDestroy);
  }
}

/**
 * What becomes of an exchange: exactly one of the two is called, synchronously as the frame
 * arrives — a handler attaches its listeners before any later frame of the same chunk (a RESET,
 * say) can end the answer unseen. A promise would leave that gap.
 */
export interface ExchangeOutcome {
  response(answer: AgentAnswer): void;
  failed(error: ExchangeFailed): void;
}

export class ClientExchange {
  readonly body: Writable;
  #answer: AgentAnswer | undefined;
  #bound: BodyBound | undefined;
  /** Our request side is finished (END or RESET sent). */
  #requestDone = false;
  /** Their answer is finished (END or RESET received, or given up). */
  #answerDone = false;

  constructor(
    readonly id: number,
    private readonly wire: FrameWire,
    private readonly bodyless: boolean,
    private readonly forget: (exchange: ClientExchange) => void,
    private readonly outcome: ExchangeOutcome,
  ) {
    this.body = new Writable({
      write: (chunk: Buffer, _encoding, done) => wire.sendBody(id, chunk, done),
      final: (done) => {
        this.#requestDone = true;
        wire.send(FrameType.END, id, undefined, done);
        this.#forgetIfDone();
      },
      destroy: (error, done) => {
        // Destroyed before its end: the request is abandoned (the caller left mid-upload).
        if (!this.#requestDone) this.abort(error?.message ?? 'the request body was abandoned');
        done(error);
      },
    });
    // Writes that race the exchange's end fail here; the exchange has already said why.
    this.body.on('error', () => {});
  }

  /** Gives the exchange up: the agent is told (it aborts its request to the target). */
  abort(reason: string): void {
    if (!this.#requestDone || !this.#answerDone) this.wire.sendReset(this.id, reason);
    this.#requestDone = true;
    this.#end(new ExchangeFailed(reason));
  }

  /** @internal a frame from the agent for this exchange; a string is a breach. */
  take(frame: Frame): string | undefined {
    switch (frame.type) {
      case FrameType.RESPONSE_HEAD:
        return this.#head(frame.payload);
      case FrameType.BODY: {
        const answer = this.#answer;
        if (!answer || this.#answerDone) return `a body frame for exchange ${this.id} outside its answer`;
        const breach = this.#bound?.take(frame.payload.length);
        if (breach) return breach;
        if (!answer.push(frame.payload)) this.wire.block(this);
        return undefined;
      }
      case FrameType.END: {
        const answer = this.#answer;
        if (!answer || this.#answerDone) return `an END frame for exchange ${this.id} outside its answer`;
        const breach = this.#bound?.end();
        if (breach) return breach;
        this.#answerDone = true;
        answer.complete = true;
        answer.push(null);
        this.#forgetIfDone();
        return undefined;
      }
      case FrameType.RESET: {
        // The agent gave up; it expects nothing more of this exchange.
        this.#requestDone = true;
        let reason = 'no reason given';
        try {
          reason = fromBinary(HttpResetSchema, frame.payload).reason || reason;
        } catch {
          return 'an unreadable RESET';
        }
        this.#end(new ExchangeFailed(`the agent abandoned the exchange: ${reason}`));
        return undefined;
      }
      default:
        return `frame type ${frame.type} does not flow from agent to gateway`;
    }
  }

  /** @internal the session closed. */
  closed(error: SessionClosed): void {
    this.#requestDone = true;
    this.#end(new ExchangeFailed(error.message));
  }

  #head(payload: Buffer): string | undefined {
    if (this.#answer || this.#answerDone) return `a second head for exchange ${this.id}`;
    let head;
    try {
      head = fromBinary(HttpResponseHeadSchema, payload);
    } catch {
      return 'an unreadable response head';
    }
    if (head.status < 200 || head.status > 599) return `status ${head.status} in a response head`;
    const declared = declaredLength(head.headers);
    if (declared === 'invalid') return 'a response head with an invalid content-length';
    const noBody = this.bodyless || head.status === 204 || head.status === 304;
    this.#bound = new BodyBound(noBody ? 0 : declared === 'none' ? undefined : declared);
    const answer = new AgentAnswer(
      head.status,
      head.headers,
      () => this.wire.unblock(this),
      () => {
        this.wire.unblock(this);
        // The reader gave up before the end (the caller left): so does the agent.
        if (!this.#answerDone) this.abort('the caller left before the answer ended');
      },
    );
    this.#answer = answer;
    this.outcome.response(answer);
    return undefined;
  }

  #end(error: ExchangeFailed): void {
    if (!this.#answerDone) {
      this.#answerDone = true;
      if (this.#answer) this.#answer.destroy(error);
      else this.outcome.failed(error);
    }
    if (!this.body.destroyed && !this.body.writableFinished) this.body.destroy();
    this.wire.unblock(this);
    this.#forgetIfDone();
  }

  #forgetIfDone(): void {
    if (this.#requestDone && this.#answerDone) this.forget(this);
  }
}

export class HttpExchangeClient {
  readonly #wire: FrameWire;
  readonly #live = new Map<number, ClientExchange>();
  readonly #waiting: Array<() => void> = [];
  #next = 1;
  #closedBy: SessionClosed | undefined;

  /** `onBreach`: the agent broke the protocol (the session is then closed), for the log. */
  constructor(socket: Duplex, options: { onBreach?: (message: string) => void } = {}) {
    this.#wire = new FrameWire(socket);
    this.#wire.start({
      frame: (frame) => {
        const exchange = this.#live.get(frame.exchange);
        if (exchange) return exchange.take(frame);
        // Frames already on their way when this end gave an exchange up are dropped.
        return frame.exchange < this.#next ? undefined : `a frame for exchange ${frame.exchange}, which was never opened`;
      },
      closed: (error, breach) => {
        if (breach !== undefined) options.onBreach?.(breach);
        this.#closedBy = error;
        for (const exchange of [...this.#live.values()]) exchange.closed(error);
        this.#live.clear();
        // Whoever waits for room learns of the end from request().
        for (const wake of this.#waiting.splice(0)) wake();
      },
    });
  }

  /** Exchanges under way; at MAX_EXCHANGES a new request fails at once (the agent would take it as a breach): wait for room() first. */
  get inFlight(): number {
    return this.#live.size;
  }

  /** Resolves when a request can start (or the session has ended): a caller that pipelines waits here. */
  room(): Promise<void> {
    if (this.#live.size < MAX_EXCHANGES || this.#closedBy) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Why the session can carry no more exchanges, if it cannot. */
  get closedBy(): SessionClosed | undefined {
    return this.#closedBy;
  }

  /** Sends the head now; write the body to `exchange.body` (end it, even when empty). */
  request(init: RequestHeadInit, outcome: ExchangeOutcome): ClientExchange {
    const id = this.#next++;
    const exchange = new ClientExchange(id, this.#wire, init.method === 'HEAD', (done) => this.#forget(done), outcome);
    if (this.#closedBy) {
      exchange.closed(this.#closedBy);
      return exchange;
    }
    if (this.#live.size >= MAX_EXCHANGES) {
      exchange.closed(new SessionClosed(`more than ${MAX_EXCHANGES} requests under way on one session`));
      return exchange;
    }
    this.#live.set(id, exchange);
    const head = create(HttpRequestHeadSchema, { method: init.method, target: init.target, headers: headerLines(init.headers), chunked: init.chunked });
    this.#wire.send(FrameType.REQUEST_HEAD, id, toBinary(HttpRequestHeadSchema, head));
    return exchange;
  }

  #forget(exchange: ClientExchange): void {
    this.#live.delete(exchange.id);
    this.#waiting.shift()?.();
  }

  /** Ends the session's stream; every exchange in flight fails. */
  destroy(): void {
    this.#wire.close('the session was closed by the gateway');
  }
}
