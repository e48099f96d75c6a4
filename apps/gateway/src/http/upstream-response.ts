// The agent's answer on its way to the caller: streamed as it comes when nothing must be
// masked; read whole (bounded) and masked when something must; server-sent events rewritten
// one event at a time. Whatever happens, the caller gets a complete answer or a cut
// connection, never a truncated body that looks whole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Masker } from '@jitgate/masking';
import { downstreamResponseHeaders, gatewayLocation } from './http-headers.js';
import { HttpRefusal, sendRefusal } from './http-refusal.js';
import { maskBody, UnmaskableBody, type BodyMaskOptions } from './response-body-masking.js';
import { SseTransform, type SseDataRewrite } from './sse-transform.js';

export interface RelayOutcome {
  status: number;
  bytesOut: number;
  maskedValues: number;
  /** Set when the answer could not be delivered as the target sent it. */
  failure?: string;
}

export interface RelayOptions {
  /** The connection's name, for locations under its prefix. */
  connection: string;
  masker: Masker | null;
  mask: BodyMaskOptions;
  maxMaskedBodyBytes: number;
  /** Rewrites each event's data (masking, MCP filtering); null: events pass untouched. */
  sse: SseDataRewrite | null;
  /** Rewrites the whole body first; the body is then read whole even without a masker (MCP answers to filter). */
  rewriteBody?: (body: Buffer) => { body: Buffer; maskedValues: number };
}

const isEventStream = (type: string | undefined) => (type ?? '').split(';')[0]?.trim().toLowerCase() === 'text/event-stream';

export async function relayResponse(upstream: IncomingMessage, res: ServerResponse, options: RelayOptions): Promise<RelayOutcome> {
  const status = upstream.statusCode ?? 502;
  const contentType = upstream.headers['content-type'];
  const outcome: RelayOutcome = { status, bytesOut: 0, maskedValues: 0 };
  const count = (chunk: Buffer) => (outcome.bytesOut += chunk.length);

  if (isEventStream(contentType) && (options.sse || options.masker)) {
    const rewrite: SseDataRewrite = options.sse ?? ((data) => options.masker?.scanText(data)?.text ?? data);
    res.writeHead(status, headersFor(upstream, true, options.connection));
    res.flushHeaders();
    const events = new SseTransform(rewrite, options.maxMaskedBodyBytes);
    events.on('data', count);
    await pipeline(upstream, events, res).catch((error: Error) => (outcome.failure = error.message));
    return outcome;
  }

  if (!options.masker && !options.rewriteBody) {
    res.writeHead(status, headersFor(upstream, false, options.connection));
    upstream.on('data', count);
    await pipeline(upstream, res).catch((error: Error) => (outcome.failure = error.message));
    return outcome;
  }

  const raw = await readWhole(upstream, options.maxMaskedBodyBytes);
  if (raw === null) {
    sendRefusal(res, new HttpRefusal(502, 'too_large_to_mask', `the response is larger than the ${options.maxMaskedBodyBytes} bytes the gateway masks (JITGATE_HTTP_MAX_MASKED_BODY_BYTES)`));
    return { ...outcome, status: 502, failure: 'too large to mask' };
  }
  let body = raw;
  let changed = false;
  try {
    if (options.rewriteBody) {
      const rewritten = options.rewriteBody(body);
      changed = rewritten.body !== body;
      body = rewritten.body;
      outcome.maskedValues += rewritten.maskedValues;
    }
    if (options.masker) {
      const masked = maskBody(body, contentType, changed ? undefined : upstream.headers['content-encoding'], options.masker, options.mask);
      changed ||= masked.changed;
      body = masked.body;
      outcome.maskedValues += masked.maskedValues;
    }
  } catch (error) {
    const message = error instanceof UnmaskableBody ? error.message : 'the response could not be read to mask it';
    sendRefusal(res, new HttpRefusal(502, 'too_large_to_mask', message));
    return { ...outcome, status: 502, failure: message };
  }
  const headers = headersFor(upstream, changed, options.connection);
  if (changed) headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
  outcome.bytesOut = body.length;
  return outcome;
}

function headersFor(upstream: IncomingMessage, rewritten: boolean, connection: string) {
  const headers = downstreamResponseHeaders(upstream.headers, rewritten);
  gatewayLocation(headers, connection);
  return headers;
}

/** The whole body, or null past `maxBytes` (the rest is not read; the upstream is dropped). */
async function readWhole(upstream: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of upstream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      upstream.destroy();
      return null;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}
