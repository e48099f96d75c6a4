// The agent's end of an HTTP session: each request head from the gateway becomes a request
// (a readable shaped like Node's IncomingMessage: method, url, headers, rawHeaders) and a
// response (a writable with writeHead) handed to the handler, which forwards them to the
// target. The body framing is checked against the head's content-length here, because Node's
// client trusts content-length on the way to the target.
//
// An exchange, seen from here:
//   request:  head ─BODY…→ ─END→ done          (RESET: the gateway gave up; both sides end)
//   response: writeHead → BODY… → END → done   (destroy before END: a RESET to the gateway)
// It is forgotten when both are done; frames for it that were already on their way are dropped.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { HttpRequestHeadSchema, HttpResponseHeadSchema, type HttpHeader } from '@jitgate/proto';
import type { OutgoingHttpHeaders } from 'node:http';
import { Writable, type Duplex } from 'node:stream';
import { BodyBound, declaredLength } from './body-length.js';
import { FrameWire, type SessionClosed } from './frame-wire.js';
import { FramedMessage } from './framed-message.js';
import { FrameType, MAX_EXCHANGES, type Frame } from './frames.js';
import { headerLines } from './header-lines.js';

/** A request from the gateway: read it like Node's IncomingMessage. */
export class GatewayRequest extends FramedMessage {
  constructor(
    readonly method: string,
    readonly url: string,
    lines: readonly HttpHeader[],
    /** A body of unknown length follows: it goes on chunked. */
    readonly chunked: boolean,
    /** Why the head's framing cannot be forwarded (content-length), if it cannot. */
    readonly framingProblem: string | undefined,
    onRead: () => void,
  ) {
    super(lines, onRead);
  }
}

/** The answer to the gateway: writeHead once, then the body; destroy() before the end cuts it. */
export class GatewayResponse extends Writable {
  #headersSent = false;

  constructor(
    private readonly sendHead: (status: number, headers: OutgoingHttpHeaders) => void,
    sendBody: (chunk: Buffer, done: (error?: Error | null) => void) => void,
    sendEnd: (done: (error?: Error | null) => void) => void,
    onDestroy: (error: Error | null) => void,
  ) {
    super({
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.#headersSent) this.writeHead(200);
        sendBody(chunk, done);
      },
      final: (done) => {
        if (!this.#headersSent) this.writeHead(200);
        sendEnd(done);
      },
      destroy: (error, done) => {
        onDestroy(error);
        done(error);
      },
    });
    // Writes that race the session's end fail here; the exchange has already ended.
    this.on('error', () => {});
  }

  get headersSent(): boolean {
    return this.#headersSent;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders = {}): this {
    if (this.#headersSent) throw new Error('the response head was already sent');
    this.#headersSent = true;
    this.sendHead(status, headers);
    return this;
  }
}

export type ExchangeHandler = (req: GatewayRequest, res: GatewayResponse) => void;

export interface ExchangeServerOptions {
  /** Exchanges in flight at once on one session; more is a breach. Default MAX_EXCHANGES. */
  maxExchanges?: number;
  /** The gateway broke the protocol (the session is then closed): for the log. */
  onBreach?: (message: string) => void;
}

class ServerExchange {
  readonly request: GatewayRequest;
  readonly response: GatewayResponse;
  readonly #bound: BodyBound;
  #requestDone = false;
  #responseDone = false;

  constructor(
    readonly id: number,
    method: string,
    url: string,
    lines: readonly HttpHeader[],
    chunked: boolean,
    private readonly wire: FrameWire,
    private readonly forget: (exchange: ServerExchange) => void,
  ) {
    const declared = declaredLength(lines);
    const problem = declared === 'invalid' ? 'the content-length is invalid' : chunked && declared !== 'none' ? 'a chunked body cannot also declare a content-length' : undefined;
    // A head whose framing is refused is answered, and its body (if any) read and discarded.
    this.#bound = new BodyBound(problem !== undefined || chunked || declared === 'invalid' ? undefined : declared === 'none' ? 0 : declared);
    this.request = new GatewayRequest(method, url, lines, chunked, problem, () => wire.unblock(this));
    this.response = new GatewayResponse(
      (status, headers) => {
        const head = create(HttpResponseHeadSchema, { status, headers: headerLines(headers) });
        wire.send(FrameType.RESPONSE_HEAD, id, toBinary(HttpResponseHeadSchema, head));
      },
      (chunk, done) => wire.sendBody(id, chunk, done),
      (done) => {
        this.#responseDone = true;
        wire.send(FrameType.END, id, undefined, done);
        this.#forgetIfDone();
      },
      (error) => {
        if (!this.#responseDone) this.#reset(error?.message ?? 'the answer was cut off');
      },
    );
  }

  /** A frame for this exchange; a string is a breach. */
  take(frame: Frame): string | undefined {
    switch (frame.type) {
      case FrameType.BODY: {
        if (this.#requestDone) return undefined; // abandoned here; what was in flight is dropped
        const breach = this.#bound.take(frame.payload.length);
        if (breach) return breach;
        if (!this.request.push(frame.payload)) this.wire.block(this);
        return undefined;
      }
      case FrameType.END: {
        if (this.#requestDone) return undefined;
        const breach = this.#bound.end();
        if (breach) return breach;
        this.#requestDone = true;
        this.request.push(null);
        this.#forgetIfDone();
        return undefined;
      }
      case FrameType.RESET:
        // The gateway gave up (the caller left): nothing more goes either way.
        this.#responseDone = true;
        this.#end(new Error('the gateway abandoned the request'));
        return undefined;
      default:
        return `frame type ${frame.type} for exchange ${this.id}, which is under way`;
    }
  }

  closed(error: SessionClosed): void {
    this.#responseDone = true;
    this.#end(error);
  }

  /** Our answer is cut off: the gateway is told, so that what came so far does not pass as whole. */
  #reset(reason: string): void {
    this.#responseDone = true;
    this.wire.sendReset(this.id, reason);
    this.#end(new Error(reason));
  }

  #end(error: Error): void {
    if (!this.#requestDone) {
      this.#requestDone = true;
      this.request.destroy(error);
    }
    if (!this.response.destroyed && !this.response.writableFinished) this.response.destroy();
    this.wire.unblock(this);
    this.#forgetIfDone();
  }

  #forgetIfDone(): void {
    if (this.#requestDone && this.#responseDone) this.forget(this);
  }
}

export class HttpExchangeServer {
  readonly #wire: FrameWire;
  readonly #live = new Map<number, ServerExchange>();
  readonly #maxExchanges: number;
  #highest = 0;

  constructor(socket: Duplex, handler: ExchangeHandler, options: ExchangeServerOptions = {}) {
    this.#maxExchanges = options.maxExchanges ?? MAX_EXCHANGES;
    this.#wire = new FrameWire(socket);
    this.#wire.start({
      frame: (frame) => {
        if (frame.type === FrameType.REQUEST_HEAD) return this.#open(frame, handler);
        const exchange = this.#live.get(frame.exchange);
        if (exchange) return exchange.take(frame);
        return frame.exchange <= this.#highest ? undefined : `a frame for exchange ${frame.exchange}, which was never opened`;
      },
      closed: (error, breach) => {
        if (breach !== undefined) options.onBreach?.(breach);
        for (const exchange of [...this.#live.values()]) exchange.closed(error);
        this.#live.clear();
      },
    });
  }

  /** Exchanges under way. */
  get size(): number {
    return this.#live.size;
  }

  #open(frame: Frame, handler: ExchangeHandler): string | undefined {
    if (frame.exchange <= this.#highest) return `exchange ${frame.exchange} opened out of order`;
    if (this.#live.size >= this.#maxExchanges) return `more than ${this.#maxExchanges} exchanges at once`;
    let head;
    try {
      head = fromBinary(HttpRequestHeadSchema, frame.payload);
    } catch {
      return 'an unreadable request head';
    }
    this.#highest = frame.exchange;
    const exchange = new ServerExchange(frame.exchange, head.method, head.target, head.headers, head.chunked, this.#wire, (done) => this.#live.delete(done.id));
    this.#live.set(frame.exchange, exchange);
    handler(exchange.request, exchange.response);
    return undefined;
  }
}
