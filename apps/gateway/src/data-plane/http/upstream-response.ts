// The agent's answer on its way to the caller: streamed as it comes when nothing must be
// masked; read whole (bounded) and masked when something must; server-sent events rewritten
// one event at a time. Whatever happens, the caller gets a complete answer or a cut
// connection, never a truncated body that looks whole. Masking fails closed (docs/http.md,
// "Masking"): a partial answer (206), a body the masker cannot read, or an event it cannot
// decode is refused (502 unmaskable_body) or ends the stream; it is never passed as it came.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { isAgentHttpErrorCode, JITGATE_ERROR_HEADER } from '@jitgate/contracts';
import type { Masker } from '@jitgate/masking';
import { downstreamResponseHeaders, gatewayLocation } from './http-headers.js';
import { HttpRefusal, sendRefusal } from './http-refusal.js';
import { foreignCharset, maskEventData, maskReadable, readableBody, UnmaskableBody, type BodyMaskOptions } from './response-body-masking.js';
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

/** The agent's answer as this module reads it: @jitgate/http-session's AgentAnswer, or Node's IncomingMessage. */
export type UpstreamAnswer = Readable & { readonly statusCode?: number | undefined; readonly headers: IncomingHttpHeaders; readonly complete: boolean };

const isEventStream = (type: string | undefined) => (type ?? '').split(';')[0]?.trim().toLowerCase() === 'text/event-stream';

export async function relayResponse(upstream: UpstreamAnswer, res: ServerResponse, options: RelayOptions): Promise<RelayOutcome> {
  const status = upstream.statusCode ?? 502;
  const contentType = upstream.headers['content-type'];
  const outcome: RelayOutcome = { status, bytesOut: 0, maskedValues: 0 };
  const count = (chunk: Buffer) => (outcome.bytesOut += chunk.length);

  const agentError = upstream.headers[JITGATE_ERROR_HEADER];
  if (typeof agentError === 'string') {
    // The agent's own refusal (it removes this header from targets' answers): answered in the
    // gateway's shape, like every other refusal.
    const refusal = await agentRefusal(upstream, status, agentError);
    sendRefusal(res, refusal);
    return { ...outcome, failure: refusal.message };
  }

  const reads = options.masker !== null || options.rewriteBody !== undefined || options.sse !== null;
  if (reads) {
    // A range of a body is not what the masker reads whole (it may start inside a character):
    // the gateway asked for the whole body, so a partial answer is refused.
    const unreadable = status === 206 || upstream.headers['content-range'] !== undefined ? 'the target answered with part of the body, which the gateway cannot mask' : null;
    if (unreadable !== null) return refuseUnreadable(upstream, res, outcome, unreadable);
  }

  if (isEventStream(contentType) && (options.sse || options.masker)) {
    const encoding = (upstream.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const unreadable = encoding !== 'identity' && encoding !== '' ? `the target's event stream is encoded as ${encoding.slice(0, 40)}, which the gateway does not decode to mask` : foreignCharset(contentType);
    if (unreadable !== null) return refuseUnreadable(upstream, res, outcome, unreadable);
    const masker = options.masker;
    const rewrite: SseDataRewrite = options.sse ?? ((data) => (masker ? maskEventData(data, masker, options.mask.jsonPaths) : data));
    res.writeHead(status, headersFor(upstream, true, options.connection));
    res.flushHeaders();
    const events = new SseTransform(rewrite, options.maxMaskedBodyBytes);
    events.on('data', count);
    upstream.pipe(events);
    outcome.failure = await relay(events, res, upstream);
    return outcome;
  }

  if (!options.masker && !options.rewriteBody) {
    res.writeHead(status, headersFor(upstream, false, options.connection));
    upstream.on('data', count);
    outcome.failure = await relay(upstream, res, upstream);
    return outcome;
  }

  const encoding = (upstream.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const read = await readForMasking(upstream, options.maxMaskedBodyBytes, encoding === 'identity' || encoding === '');
  if (read.kind === 'not_text') return refuseUnreadable(upstream, res, outcome, 'the response is not UTF-8 text, which is all the gateway can read to mask');
  if (read.kind === 'too_large') {
    sendRefusal(res, new HttpRefusal(502, 'too_large_to_mask', `the response is larger than the ${options.maxMaskedBodyBytes} bytes the gateway masks (JITGATE_HTTP_MAX_MASKED_BODY_BYTES)`));
    return { ...outcome, status: 502, failure: 'too large to mask' };
  }
  let body: Buffer;
  let changed: boolean;
  try {
    let readable = readableBody(read.body, contentType, upstream.headers['content-encoding']);
    changed = readable.decoded;
    if (options.rewriteBody) {
      const rewritten = options.rewriteBody(readable.bytes);
      if (rewritten.body !== readable.bytes) {
        changed = true;
        readable = readableBody(rewritten.body, contentType, undefined);
      }
      outcome.maskedValues += rewritten.maskedValues;
    }
    body = readable.bytes;
    if (options.masker) {
      const masked = maskReadable(readable, contentType, options.masker, options.mask);
      changed ||= masked.changed;
      body = masked.body;
      outcome.maskedValues += masked.maskedValues;
    }
  } catch (error) {
    return refuseUnreadable(upstream, res, outcome, error instanceof UnmaskableBody ? error.message : 'the response could not be read to mask it');
  }
  const headers = headersFor(upstream, changed, options.connection);
  if (changed) headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
  outcome.bytesOut = body.length;
  return outcome;
}

/**
 * `from` piped into the caller's response; resolves when the response is done (undefined) or
 * failed (why). Not stream.pipeline: on Node 20 it costs some 25–40 µs per request, a tenth of
 * the gateway's CPU for a small answer (bench/README.md, "HTTP through the gateway").
 */
function relay(from: Readable, res: Writable, upstream: UpstreamAnswer): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (failure?: string) => {
      if (settled) return;
      settled = true;
      if (failure) {
        upstream.destroy();
        res.destroy();
      }
      resolve(failure);
    };
    from.pipe(res);
    res.once('finish', () => done());
    res.once('close', () => done(res.writableFinished ? undefined : 'the caller left before the answer ended'));
    from.once('error', (error: Error) => done(error.message));
    // A target that stops in the middle of a body: the caller must not take the rest as complete.
    upstream.once('aborted', () => done('the answer was cut off upstream'));
    upstream.once('close', () => {
      if (!upstream.complete) done('the answer was cut off upstream');
    });
  });
}

/** A 502 unmaskable_body in place of an answer the masker cannot read; the rest of it is dropped. */
function refuseUnreadable(upstream: UpstreamAnswer, res: ServerResponse, outcome: RelayOutcome, why: string): RelayOutcome {
  upstream.destroy();
  sendRefusal(res, new HttpRefusal(502, 'unmaskable_body', why));
  return { ...outcome, status: 502, failure: why };
}

async function agentRefusal(upstream: UpstreamAnswer, status: number, code: string): Promise<HttpRefusal> {
  let message = 'the agent refused the request';
  const raw = await readForMasking(upstream, 16 * 1024, false).catch(() => undefined);
  if (raw?.kind === 'whole') {
    try {
      const parsed = JSON.parse(raw.body.toString('utf8')) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') message = parsed.error.message.replace(/^jitgate: /, '').slice(0, 500);
    } catch {
      // keep the generic message
    }
  }
  return new HttpRefusal(status, isAgentHttpErrorCode(code) ? code : 'target_unreachable', message);
}

function headersFor(upstream: UpstreamAnswer, rewritten: boolean, connection: string) {
  const headers = downstreamResponseHeaders(upstream.headers, rewritten);
  gatewayLocation(headers, connection);
  return headers;
}

/** Bytes looked at to tell text from binary before a body is read whole to be masked. */
const SNIFF_BYTES = 64 * 1024;

type MaskingRead = { kind: 'whole'; body: Buffer } | { kind: 'too_large' } | { kind: 'not_text' };

/**
 * The whole body (up to `maxBytes`; past it the upstream is dropped), or — with `sniff`, when
 * the first bytes are not UTF-8 — `not_text` at once: a large binary download is refused without
 * being held in memory first.
 */
function readForMasking(upstream: UpstreamAnswer, maxBytes: number, sniff: boolean): Promise<MaskingRead> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let decoder: InstanceType<typeof TextDecoder> | undefined = sniff ? new TextDecoder('utf-8', { fatal: true }) : undefined;
    const done = (result: MaskingRead) => {
      upstream.off('data', onData);
      upstream.off('end', onEnd);
      upstream.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      size += chunk.length;
      if (decoder) {
        try {
          decoder.decode(chunk, { stream: true });
        } catch {
          upstream.pause();
          return done({ kind: 'not_text' });
        }
        if (size >= SNIFF_BYTES) decoder = undefined;
      }
      if (size > maxBytes) {
        upstream.destroy();
        done({ kind: 'too_large' });
      }
    };
    const onEnd = () => done({ kind: 'whole', body: Buffer.concat(parts, size) });
    const onError = (error: Error) => {
      upstream.off('data', onData);
      upstream.off('end', onEnd);
      reject(error);
    };
    upstream.on('data', onData);
    upstream.once('end', onEnd);
    upstream.once('error', onError);
  });
}
