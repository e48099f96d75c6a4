// A stand-in for the Cloud Storage JSON API (storage.googleapis.com) as @google-cloud/storage 7.x
// calls it, with in-memory buckets:
//   POST /upload/storage/v1/b/{b}/o?uploadType=multipart|media|resumable   save(), createWriteStream()
//   PUT  /upload/storage/v1/b/{b}/o?upload_id=…                           the resumable session's bytes
//   GET  /storage/v1/b/{b}/o/{o}[?alt=media], /download/storage/v1/…      getMetadata(), exists(), download()
//   DELETE /storage/v1/b/{b}/o/{o}, GET /storage/v1/b/{b}/o, GET /storage/v1/b/{b}
// Tokens as Google checks them: minted by the IAM stand-in, unexpired, with a devstorage or
// cloud-platform scope (read_only and cloud-platform.read-only refuse writes); optionally only the
// bucket's `members`. Uploads and downloads stream (objects stay in the chunks they came in) and
// carry the CRC32C/MD5 the client verifies; ranged reads answer 206.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { authenticate, CLOUD_PLATFORM, CLOUD_PLATFORM_READ_ONLY, GoogleApiError, notFound, sendJson, serveGoogleApi, type GoogleApiCall, type TokenIntrospector } from './google-api-http.js';
import { objectResource, parseRange, readObject, UploadHasher, type StoredObject } from './storage-objects.js';
import { checkPreconditions, Uploads } from './storage-upload.js';

const DEVSTORAGE = 'https://www.googleapis.com/auth/devstorage';
const WRITE_SCOPES = [`${DEVSTORAGE}.read_write`, `${DEVSTORAGE}.full_control`, CLOUD_PLATFORM];
const READ_SCOPES = [...WRITE_SCOPES, `${DEVSTORAGE}.read_only`, CLOUD_PLATFORM_READ_ONLY];

export interface StorageBucketOptions {
  /** Service accounts that may use the bucket (others get 403); default: any minted token. */
  members?: readonly string[];
  /** Objects present at start. */
  objects?: Readonly<Record<string, string | Uint8Array>>;
}

export interface StorageStandinOptions {
  iam: TokenIntrospector;
  buckets: Readonly<Record<string, StorageBucketOptions>>;
  /** Largest `uploadType=multipart|media` body, which is read whole (resumable uploads stream). Default 64 MiB. */
  maxSimpleUploadBytes?: number;
}

export interface StorageStandin {
  /** The client's `apiEndpoint`. */
  readonly url: string;
  readonly calls: readonly GoogleApiCall[];
  /** An object's bytes (a copy), or undefined. */
  read(bucket: string, name: string): Buffer | undefined;
  /** Object names in a bucket, sorted. */
  names(bucket: string): string[];
  put(bucket: string, name: string, data: string | Uint8Array, contentType?: string): void;
  close(): Promise<void>;
}

export async function startStorageStandin(options: StorageStandinOptions): Promise<StorageStandin> {
  const { iam } = options;
  const calls: GoogleApiCall[] = [];
  const buckets = new Map(Object.entries(options.buckets).map(([name, bucket]) => [name, { members: bucket.members, objects: new Map<string, StoredObject>() }]));
  let generation = Date.now() * 1000;
  let baseUrl = '';

  function store(bucket: string, name: string, chunks: Buffer[], hasher: UploadHasher, contentType: string, metadata?: Record<string, string>): StoredObject {
    const object: StoredObject = { bucket, name, chunks, size: hasher.size, contentType, metadata, generation: String(++generation), ...hasher.hashes(), created: new Date() };
    buckets.get(bucket)?.objects.set(name, object);
    return object;
  }
  const put = (bucket: string, name: string, data: string | Uint8Array, contentType = 'application/octet-stream') => {
    const chunk = Buffer.from(data);
    const hasher = new UploadHasher();
    hasher.update(chunk);
    store(bucket, name, [chunk], hasher, contentType);
  };
  const uploads = new Uploads({
    baseUrl: () => baseUrl,
    existing: (bucket, name) => buckets.get(bucket)?.objects.get(name),
    store,
    maxSimpleUploadBytes: options.maxSimpleUploadBytes ?? 64 * 1024 * 1024,
  });
  for (const [bucket, config] of Object.entries(options.buckets)) for (const [name, data] of Object.entries(config.objects ?? {})) put(bucket, name, data);

  /** 401/403 as Google's front end, then the bucket's members (403), then the bucket (404). */
  function authorize(req: IncomingMessage, bucketName: string, write: boolean, permission: string) {
    const token = authenticate(req, iam, write ? WRITE_SCOPES : READ_SCOPES);
    const bucket = buckets.get(bucketName);
    if (bucket?.members && !bucket.members.includes(token.serviceAccount)) {
      throw new GoogleApiError(
        403,
        'PERMISSION_DENIED',
        `${token.serviceAccount} does not have ${permission} access to the Google Cloud Storage bucket. Permission '${permission}' denied on resource (or it may not exist).`,
        'forbidden',
      );
    }
    if (!bucket) throw notFound('The specified bucket does not exist.');
    return bucket;
  }

  function objectOf(bucket: { objects: Map<string, StoredObject> }, bucketName: string, name: string): StoredObject {
    const object = bucket.objects.get(name);
    if (!object) throw notFound(`No such object: ${bucketName}/${name}`);
    return object;
  }

  async function download(req: IncomingMessage, res: ServerResponse, object: StoredObject): Promise<void> {
    const range = parseRange(req.headers.range, object.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${object.size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: object.size - 1 };
    res.writeHead(range ? 206 : 200, {
      'content-type': object.contentType,
      'content-length': String(Math.max(end - start + 1, 0)),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${object.size}` } : {}),
      'accept-ranges': 'bytes',
      etag: `"${object.md5Hash}"`,
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      'x-goog-generation': object.generation,
      'x-goog-metageneration': '1',
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(object.size),
    });
    if (req.method === 'HEAD' || object.size === 0) {
      res.end();
      return;
    }
    await pipeline(readObject(object, start, end), res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const [root, ...path] = segments[0] === 'upload' || segments[0] === 'download' ? [segments[0], ...segments.slice(1)] : ['', ...segments];
    if (path[0] !== 'storage' || path[1] !== 'v1' || path[2] !== 'b' || !path[3]) throw notFound(`Not Found: ${url.pathname}`);
    const bucketName = path[3];
    const objectName = path.length > 5 && path[4] === 'o' ? path.slice(5).join('/') : undefined;

    if (root === 'upload') {
      const sessionId = url.searchParams.get('upload_id');
      if (req.method === 'PUT' && sessionId) return uploads.receive(req, res, bucketName, sessionId);
      if (req.method === 'POST' && path.length === 5 && path[4] === 'o') {
        authorize(req, bucketName, true, 'storage.objects.create');
        return uploads.start(req, res, url, bucketName);
      }
      throw notFound(`Not Found: ${req.method} ${url.pathname}`);
    }
    if (path.length === 4 && req.method === 'GET') {
      authorize(req, bucketName, false, 'storage.buckets.get');
      return sendJson(res, 200, { kind: 'storage#bucket', id: bucketName, name: bucketName, location: 'US', storageClass: 'STANDARD', metageneration: '1' });
    }
    if (path.length === 5 && path[4] === 'o' && req.method === 'GET') return list(req, res, url, bucketName);
    if (objectName === undefined) throw notFound(`Not Found: ${req.method} ${url.pathname}`);
    if ((req.method === 'GET' || req.method === 'HEAD') && (root === 'download' || url.searchParams.get('alt') === 'media')) {
      const bucket = authorize(req, bucketName, false, 'storage.objects.get');
      return download(req, res, objectOf(bucket, bucketName, objectName));
    }
    if (req.method === 'GET' && root === '') {
      const bucket = authorize(req, bucketName, false, 'storage.objects.get');
      return sendJson(res, 200, objectResource(objectOf(bucket, bucketName, objectName), baseUrl));
    }
    if (req.method === 'DELETE' && root === '') {
      const bucket = authorize(req, bucketName, true, 'storage.objects.delete');
      checkPreconditions(url, objectOf(bucket, bucketName, objectName));
      bucket.objects.delete(objectName);
      res.writeHead(204).end();
      return;
    }
    throw notFound(`Not Found: ${req.method} ${url.pathname}`);
  }

  /** objects.list: `prefix`, `delimiter` (folders as `prefixes`), `maxResults`, `pageToken` (the last name of the page before). */
  function list(req: IncomingMessage, res: ServerResponse, url: URL, bucketName: string): void {
    const bucket = authorize(req, bucketName, false, 'storage.objects.list');
    const prefix = url.searchParams.get('prefix') ?? '';
    const delimiter = url.searchParams.get('delimiter') ?? '';
    const after = url.searchParams.get('pageToken') ?? '';
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
    const items: StoredObject[] = [];
    const prefixes = new Set<string>();
    const names = [...bucket.objects.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
    let last: string | undefined;
    for (const name of names) {
      if (items.length + prefixes.size >= max) break;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(name.slice(0, cut + delimiter.length));
      else items.push(bucket.objects.get(name) as StoredObject);
      last = name;
    }
    const more = last !== undefined && names.indexOf(last) < names.length - 1;
    sendJson(res, 200, {
      kind: 'storage#objects',
      ...(items.length ? { items: items.map((o) => objectResource(o, baseUrl)) } : {}),
      ...(prefixes.size ? { prefixes: [...prefixes] } : {}),
      ...(more ? { nextPageToken: last } : {}),
    });
  }

  const server = await serveGoogleApi(iam, calls, handle);
  baseUrl = server.url;
  return {
    url: server.url,
    calls,
    read: (bucket, name) => {
      const object = buckets.get(bucket)?.objects.get(name);
      return object ? Buffer.concat(object.chunks) : undefined;
    },
    names: (bucket) => [...(buckets.get(bucket)?.objects.keys() ?? [])].sort(),
    put,
    close: () => server.close(),
  };
}
