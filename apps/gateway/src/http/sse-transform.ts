// Server-sent events rewritten one event at a time (MCP over streamable HTTP answers in SSE;
// masking applies to event data). The stream is never held whole: each event goes out as soon
// as its blank line arrives. Fields other than `data` pass untouched; line ends become "\n".
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/** Returns the event's new data, or null to drop the event. */
export type SseDataRewrite = (data: string) => string | null;

export class SseEventTooLarge extends Error {}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/;

export class SseTransform extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly rewrite: SseDataRewrite,
    private readonly maxEventChars: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending += this.decoder.write(chunk);
    try {
      this.emitComplete();
    } catch (error) {
      return callback(error as Error);
    }
    if (this.pending.length > this.maxEventChars) return callback(new SseEventTooLarge(`an event is longer than ${this.maxEventChars} characters`));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.pending += this.decoder.end();
    try {
      this.emitComplete();
      // A last event without its blank line is still an event to the reader: rewrite it too.
      if (this.pending.trim().length > 0) this.push(rewriteEvent(this.pending, this.rewrite));
    } catch (error) {
      return callback(error as Error);
    }
    callback();
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
