// Server-sent events rewritten one event at a time (MCP over streamable HTTP answers in SSE;
// masking applies to event data). The stream is never held whole: each event goes out as soon
// as its blank line arrives. Fields other than `data` pass untouched; line ends become "\n".
// Bytes that are not UTF-8, or a NUL, end the stream with an error (the relay cuts the caller's
// connection): an event the masker cannot read is never passed, nor anything after it.
import { Transform, type TransformCallback } from 'node:stream';

/** Returns the event's new data, or null to drop the event. */
export type SseDataRewrite = (data: string) => string | null;

export class SseEventTooLarge extends Error {}

export class SseNotText extends Error {}

/**
 * A line end followed by an empty line, the end of an event (WHATWG HTML, "Parsing an event
 * stream": lines end with CRLF, LF or CR, mixed as the server likes). A CR that may be the first
 * half of a CRLF still to come is not taken as a line end yet.
 */
const BOUNDARY = /(?:\r\n|\n|\r(?=[^\n]))(?:\r\n|\n|\r(?=[^\n]))/;

export class SseTransform extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pending = '';

  constructor(
    private readonly rewrite: SseDataRewrite,
    private readonly maxEventChars: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending += this.text(chunk, true);
      this.emitComplete();
    } catch (error) {
      return callback(error as Error);
    }
    if (this.pending.length > this.maxEventChars) return callback(new SseEventTooLarge(`an event is longer than ${this.maxEventChars} characters`));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.pending += this.text(undefined, false);
      this.emitComplete();
      // A last event without its blank line is still an event to the reader: rewrite it too.
      if (this.pending.trim().length > 0) this.push(rewriteEvent(this.pending, this.rewrite));
    } catch (error) {
      return callback(error as Error);
    }
    callback();
  }

  private text(chunk: Buffer | undefined, stream: boolean): string {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream });
    } catch {
      throw new SseNotText('the event stream is not UTF-8 text, which the gateway cannot read to mask');
    }
    if (text.includes('\u0000')) throw new SseNotText('the event stream holds a NUL character, which the gateway cannot read to mask');
    return text;
  }

  private emitComplete(): void {
    for (;;) {
      const match = BOUNDARY.exec(this.pending);
      if (!match) return;
      const block = this.pending.slice(0, match.index);
      this.pending = this.pending.slice(match.index + match[0].length);
      const out = rewriteEvent(block, this.rewrite);
      if (out) this.push(out);
    }
  }
}

/** One event block (without its blank line) rewritten, with its terminating blank line. */
export function rewriteEvent(block: string, rewrite: SseDataRewrite): string {
  const lines = block.split(/\r\n|\n|\r/);
  const data: string[] = [];
  const others: string[] = [];
  for (const line of lines) {
    if (line === 'data' || line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    else others.push(line);
  }
  if (data.length === 0) return `${others.join('\n')}\n\n`;
  const rewritten = rewrite(data.join('\n'));
  if (rewritten === null) return others.some((l) => l.length > 0 && !l.startsWith(':')) ? `${others.join('\n')}\n\n` : '';
  return `${[...others, ...rewritten.split('\n').map((l) => `data: ${l}`)].join('\n')}\n\n`;
}
