// The Cloud Storage stand-in's in-memory objects: kept as the chunks they arrived in (an upload is
// never concatenated into one buffer) and read back as a stream of slices, so large objects and
// ranged reads cost no copies. Also the JSON API's object resource and the multipart/related body
// of `uploadType=multipart`.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Crc32c } from './crc32c.js';
import { badRequest } from './google-api-http.js';

export interface StoredObject {
  bucket: string;
  name: string;
  chunks: Buffer[];
  size: number;
  contentType: string;
  /** Custom metadata (`metadata` in the resource). */
  metadata: Record<string, string> | undefined;
  generation: string;
  md5Hash: string;
  crc32c: string;
  created: Date;
}

/** Hashes an upload as it streams in. */
export class UploadHasher {
  private readonly md5 = createHash('md5');
  private readonly crc = new Crc32c();
  size = 0;

  update(chunk: Buffer): void {
    this.md5.update(chunk);
    this.crc.update(chunk);
    this.size += chunk.length;
  }

  /** The hashes of what came so far (hashing may go on). */
  hashes(): { md5Hash: string; crc32c: string } {
    return { md5Hash: this.md5.copy().digest('base64'), crc32c: this.crc.base64() };
  }
}

/**
 * Checks `x-goog-hash: crc32c=…,md5=…` (what the client sends with the last bytes of an upload)
 * against what arrived, as Cloud Storage does before it keeps the object.
 */
export function checkClientHashes(header: string | string[] | undefined, hashes: { md5Hash: string; crc32c: string }): void {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const [kind, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (kind === 'crc32c' && value !== hashes.crc32c) throw badRequest(`Provided CRC32C "${value}" doesn't match calculated CRC32C "${hashes.crc32c}".`);
    if (kind === 'md5' && value !== hashes.md5Hash) throw badRequest(`Provided MD5 hash "${value}" doesn't match calculated MD5 hash "${hashes.md5Hash}".`);
  }
}

export function objectResource(object: StoredObject, baseUrl: string): Record<string, unknown> {
  const encoded = encodeURIComponent(object.name);
  const time = object.created.toISOString();
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${object.bucket}/o/${encoded}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: '1',
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: `C${object.generation.slice(-8)}=`,
    timeCreated: time,
    updated: time,
    timeStorageClassUpdated: time,
    ...(object.metadata ? { metadata: object.metadata } : {}),
  };
}

/** Bytes `start`..`end` (inclusive) of an object as a stream of slices of its chunks (no copies). */
export function readObject(object: StoredObject, start: number, end: number): Readable {
  function* slices(): Generator<Buffer> {
    let offset = 0;
    for (const chunk of object.chunks) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      if (from < to) yield chunk.subarray(from, to);
      offset += chunk.length;
      if (offset > end) return;
    }
  }
  return Readable.from(slices(), { objectMode: false });
}

/** `Range: bytes=a-b | a- | -n` → inclusive bounds; undefined for the whole object; 'unsatisfiable' past the end. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

/** The two parts of an `uploadType=multipart` body: the object's JSON metadata, then its media. */
export function parseMultipart(contentType: string | undefined, body: Buffer): { metadata: Record<string, unknown>; media: Buffer; mediaType: string | undefined } {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!contentType?.toLowerCase().startsWith('multipart/related') || !boundary) throw badRequest('Multipart uploads need Content-Type: multipart/related with a boundary.');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; body: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after the CRLF that ends the delimiter line, before the CRLF that precedes the next
    const split = part.indexOf('\r\n\r\n');
    parts.push({ headers: part.subarray(0, Math.max(split, 0)).toString('latin1'), body: part.subarray(split + 4) });
    at = next;
  }
  if (parts.length !== 2) throw badRequest(`A multipart upload has 2 parts (metadata, media), not ${parts.length}.`);
  let metadata: unknown;
  try {
    metadata = JSON.parse((parts[0] as { body: Buffer }).body.toString('utf8'));
  } catch {
    throw badRequest('The metadata part of the multipart upload is not JSON.', 'parseError');
  }
  const mediaType = /content-type:\s*([^\r\n]+)/i.exec((parts[1] as { headers: string }).headers)?.[1]?.trim();
  return { metadata: (metadata ?? {}) as Record<string, unknown>, media: (parts[1] as { body: Buffer }).body, mediaType };
}
