// Reading a request body the gateway must see to decide (BigQuery jobs, MCP messages), bounded:
// a declared length over the limit is refused before a byte is kept, a streamed body as soon as
// it crosses it. The rest of the body is then read and thrown away (Node's server does so once
// the answer is sent), so that a client still sending can read its 413 instead of failing on a
// closed socket; nothing of it is kept.
import type { IncomingMessage } from 'node:http';
import { HttpRefusal } from './http-refusal.js';

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        parts.length = 0;
        return reject(tooLarge(maxBytes));
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(parts, size));
    };
    const onClose = () => {
      cleanup();
      reject(new HttpRefusal(400, 'bad_request', 'the caller closed the connection before the body ended', true));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

const tooLarge = (maxBytes: number) => new HttpRefusal(413, 'too_large', `the request body is larger than the ${maxBytes} bytes the gateway reads to check it (JITGATE_HTTP_MAX_BODY_BYTES)`);

/** The body as JSON, or a 400 naming the problem. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpRefusal(400, 'bad_request', 'the request body is not valid JSON');
  }
}
