// What both ends receive: a head's header lines and a body readable from the session's frames,
// read like Node's IncomingMessage (headers, rawHeaders, and errors only for a reader that
// listens). The gateway's AgentAnswer and the agent's GatewayRequest add what is theirs.
import type { HttpHeader } from '@jitgate/proto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { foldedHeaders, rawHeaders } from './header-lines.js';

export abstract class FramedMessage extends Readable {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];

  protected constructor(
    lines: readonly HttpHeader[],
    /** The reader wants more: the session may be read again. */
    private readonly onRead: () => void,
    /** Destroyed, at its end or before. */
    private readonly onDestroy: () => void = () => {},
  ) {
    super();
    this.headers = foldedHeaders(lines);
    this.rawHeaders = rawHeaders(lines);
  }

  override _read(): void {
    this.onRead();
  }

  /**
   * A cut-off message is destroyed with an error as Node's IncomingMessage is: emitted only to a
   * reader that listens for errors (others see 'close' with the message incomplete), so a pipe()
   * without an error handler does not crash the process.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.onDestroy();
    callback(this.listenerCount('error') > 0 ? error : null);
  }
}
