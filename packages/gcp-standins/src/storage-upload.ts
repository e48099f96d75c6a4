// Uploads to the Cloud Storage stand-in, as https://cloud.google.com/storage/docs/uploads-downloads
// describes them: `uploadType=media` and `multipart` (one request, read whole: they are for small
// objects), and `resumable` (a session URI, then PUTs with Content-Range; the bytes are kept as
// they stream in and hashed on the way). The object is stored only once the last byte arrived and
// the client's X-Goog-Hash matched.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, GoogleApiError, notFound, readBody, readJson, sendJson } from './google-api-http.js';
import { checkClientHashes, objectResource, parseMultipart, UploadHasher, type StoredObject } from './storage-objects.js';

export interface UploadTarget {
  baseUrl(): string;
  existing(bucket: string, name: string): StoredObject | undefined;
  store(bucket: string, name: string, chunks: Buffer[], hasher: UploadHasher, contentType: string, metadata: Record<string, string> | undefined): StoredObject;
  maxSimpleUploadBytes: number;
}

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata: Record<string, string> | undefined;
  chunks: Buffer[];
  hasher: UploadHasher;
  done: StoredObject | undefined;
}

/** `ifGenerationMatch` (0: the object must not exist yet), as the client sends for preconditions. */
export function checkPreconditions(url: URL, existing: StoredObject | undefined): void {
  const match = url.searchParams.get('ifGenerationMatch');
  if (match !== null && match !== (existing?.generation ?? '0')) {
    throw new GoogleApiError(412, 'FAILED_PRECONDITION', 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
  }
}

const CONTENT_RANGE = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/;

export class Uploads {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly target: UploadTarget) {}

  /** POST /upload/storage/v1/b/{bucket}/o (the caller is authorized to write). */
  async start(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string): Promise<void> {
    const type = url.searchParams.get('uploadType');
    if (type === 'resumable') {
      const metadata = await readJson(req);
      const name = objectName(url, metadata);
      checkPreconditions(url, this.target.existing(bucket, name));
      const id = randomUUID();
      const contentType = String(req.headers['x-upload-content-type'] ?? metadata['contentType'] ?? 'application/octet-stream');
      this.sessions.set(id, { bucket, name, contentType, metadata: customMetadata(metadata), chunks: [], hasher: new UploadHasher(), done: undefined });
      // As with Google, the session URI is the upload's credential: its PUTs need no token.
      res.writeHead(200, { location: `${this.target.baseUrl()}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`, 'content-length': '0' });
      res.end();
      return;
    }
    if (type !== 'multipart' && type !== 'media') throw badRequest(`Unsupported uploadType: ${type ?? '(none)'}`);
    const body = await readBody(req, this.target.maxSimpleUploadBytes);
    const parsed = type === 'multipart' ? parseMultipart(req.headers['content-type'], body) : { metadata: {}, media: body, mediaType: req.headers['content-type'] };
    const name = objectName(url, parsed.metadata);
    checkPreconditions(url, this.target.existing(bucket, name));
    const hasher = new UploadHasher();
    hasher.update(parsed.media);
    checkClientHashes(req.headers['x-goog-hash'], hasher.hashes());
    const contentType = String(parsed.metadata['contentType'] ?? parsed.mediaType ?? 'application/octet-stream');
    const object = this.target.store(bucket, name, [parsed.media], hasher, contentType, customMetadata(parsed.metadata));
    sendJson(res, 200, objectResource(object, this.target.baseUrl()));
  }

  /**
   * PUT to a session URI. `Content-Range: bytes a-b/total` carries bytes (the last request names the
   * total), `bytes a-*\/*` carries everything that is left, `bytes *\/total` asks how far it got.
   * Incomplete: 308 with `Range: bytes=0-<last byte received>`.
   */
  async receive(req: IncomingMessage, res: ServerResponse, bucket: string, id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session || session.bucket !== bucket) throw notFound('No such upload session.');
    if (session.done) return sendJson(res, 200, objectResource(session.done, this.target.baseUrl()));
    const header = req.headers['content-range'] ?? 'bytes 0-*/*';
    const match = CONTENT_RANGE.exec(header.trim());
    if (!match) throw badRequest(`Invalid Content-Range: ${header}`);
    if (match[1] !== undefined) {
      if (Number(match[1]) !== session.hasher.size) throw badRequest(`Content-Range starts at ${match[1]}, but ${session.hasher.size} bytes were received so far.`);
      for await (const chunk of req) {
        session.chunks.push(chunk as Buffer);
        session.hasher.update(chunk as Buffer);
      }
    }
    const total = match[3] === '*' ? undefined : Number(match[3]);
    const final = total !== undefined ? session.hasher.size >= total : match[1] !== undefined && match[2] === '*';
    if (!final) {
      res.writeHead(308, session.hasher.size > 0 ? { range: `bytes=0-${session.hasher.size - 1}` } : {});
      res.end();
      return;
    }
    if (total !== undefined && session.hasher.size !== total) throw badRequest(`Received ${session.hasher.size} bytes, but Content-Range said ${total}.`);
    checkClientHashes(req.headers['x-goog-hash'], session.hasher.hashes());
    session.done = this.target.store(session.bucket, session.name, session.chunks, session.hasher, session.contentType, session.metadata);
    sendJson(res, 200, objectResource(session.done, this.target.baseUrl()));
  }
}

function objectName(url: URL, metadata: Record<string, unknown>): string {
  const name = url.searchParams.get('name') ?? (typeof metadata['name'] === 'string' ? metadata['name'] : '');
  if (!name) throw badRequest('Required parameter: name', 'required');
  return name;
}

function customMetadata(metadata: Record<string, unknown>): Record<string, string> | undefined {
  const custom = metadata['metadata'];
  return custom && typeof custom === 'object' ? Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, String(v)])) : undefined;
}
