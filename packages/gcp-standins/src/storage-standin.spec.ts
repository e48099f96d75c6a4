// The Cloud Storage stand-in driven by the real @google-cloud/storage 7.x client, with tokens
// minted by the IAM Credentials stand-in: multipart and resumable uploads (the client checks the
// CRC32C the stand-in reports), streamed and ranged downloads of 20 MB, metadata, exists, list,
// delete; refusals as Google gives them (token, scope, read_only writing, a non-member).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crc32c } from './crc32c.js';
import { startGoogleStandins, type GoogleStandins } from './google-standins.js';
import { authClientFor, mintAccessToken } from './spec-support.js';
import { startStorageStandin, type StorageStandin } from './storage-standin.js';

const AGENT = 'agent@proj-1.iam.gserviceaccount.com';
const WRITER = 'writer@proj-1.iam.gserviceaccount.com';
const OUTSIDER = 'outsider@proj-1.iam.gserviceaccount.com';
const RW = 'https://www.googleapis.com/auth/devstorage.read_write';
const RO = 'https://www.googleapis.com/auth/devstorage.read_only';
const BQ = 'https://www.googleapis.com/auth/bigquery';

let g: GoogleStandins;
let gcs: StorageStandin;
let rwToken: string;

beforeAll(async () => {
  g = await startGoogleStandins({
    agentEmail: AGENT,
    tokenCreators: [
      { member: AGENT, serviceAccount: WRITER },
      { member: AGENT, serviceAccount: OUTSIDER },
    ],
    allowedScopes: [RW, RO, BQ],
  });
  gcs = await startStorageStandin({ iam: g.iam, buckets: { reports: { members: [WRITER], objects: { 'seed.txt': 'seeded' } }, open: {} } });
  rwToken = await mintAccessToken(g, WRITER, [RW]);
});

afterAll(async () => {
  await gcs?.close();
  await g?.close();
});

const storage = (token = rwToken) =>
  new Storage({ projectId: 'proj-1', apiEndpoint: gcs.url, useAuthWithCustomEndpoint: true, authClient: authClientFor('@google-cloud/storage', token) as never, retryOptions: { autoRetry: false } });
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('Cloud Storage stand-in with @google-cloud/storage', () => {
  it('computes CRC32C as Cloud Storage does (the check value of "123456789" is 0xE3069283)', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).base64()).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('saves with a multipart upload and reads back, with metadata and exists()', async () => {
    const file = storage().bucket('reports').file('2026/q1.csv');
    await file.save('id,amount\n1,120.5\n', { resumable: false, contentType: 'text/csv' });
    const [contents] = await file.download();
    expect(contents.toString()).toBe('id,amount\n1,120.5\n');
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ name: '2026/q1.csv', bucket: 'reports', contentType: 'text/csv', size: '18' });
    expect(await file.exists()).toEqual([true]);
    expect(await storage().bucket('reports').file('nope').exists()).toEqual([false]);
    expect(gcs.calls.find((c) => c.path === '/upload/storage/v1/b/reports/o')).toMatchObject({ method: 'POST', principal: WRITER, status: 200 });
  });

  it('streams a 20 MB resumable upload, then a full and a ranged download, intact', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const file = storage().bucket('reports').file('big.bin');
    // createWriteStream() alone would open the session without a token: @google-cloud/storage 7.22
    // does not pass useAuthWithCustomEndpoint on that path (createResumableUpload() does). With
    // jitgate the agent adds the token, so only this test needs the two steps.
    const [uri] = await file.createResumableUpload();
    await pipeline(Readable.from([data.subarray(0, 7_000_000), data.subarray(7_000_000)]), file.createWriteStream({ uri, resumable: true }));
    expect(sha(gcs.read('reports', 'big.bin') as Buffer)).toBe(sha(data));

    const received: Buffer[] = [];
    await pipeline(file.createReadStream(), async (source) => {
      for await (const chunk of source) received.push(chunk as Buffer);
    });
    // Streamed: many chunks, not one 20 MB buffer; and the client checked the CRC32C on the way.
    expect(received.length).toBeGreaterThan(10);
    expect(sha(Buffer.concat(received))).toBe(sha(data));

    const [slice] = await file.download({ start: 5_000_000, end: 5_999_999 });
    expect(slice.equals(data.subarray(5_000_000, 6_000_000))).toBe(true);
  });

  it('lists with a prefix and a delimiter, and deletes', async () => {
    const bucket = storage().bucket('reports');
    await bucket.file('logs/a.txt').save('a', { resumable: false });
    await bucket.file('logs/b.txt').save('b', { resumable: false });
    await bucket.file('logs/old/c.txt').save('c', { resumable: false });
    const [files] = await bucket.getFiles({ prefix: 'logs/' });
    expect(files.map((f) => f.name)).toEqual(['logs/a.txt', 'logs/b.txt', 'logs/old/c.txt']);
    const [, , listing] = await bucket.getFiles({ prefix: 'logs/', delimiter: '/', autoPaginate: false });
    expect((listing as { prefixes: string[] }).prefixes).toEqual(['logs/old/']);
    await bucket.file('logs/a.txt').delete();
    expect(gcs.names('reports')).not.toContain('logs/a.txt');
    await expect(bucket.file('logs/a.txt').delete()).rejects.toMatchObject({ code: 404 });
  });

  it('refuses writes with a read_only token, and any call without a storage scope (403)', async () => {
    const ro = await mintAccessToken(g, WRITER, [RO]);
    const [seed] = await storage(ro).bucket('reports').file('seed.txt').download();
    expect(seed.toString()).toBe('seeded');
    await expect(storage(ro).bucket('reports').file('x.txt').save('x', { resumable: false })).rejects.toMatchObject({ code: 403 });
    await expect(storage(ro).bucket('reports').file('seed.txt').delete()).rejects.toMatchObject({ code: 403 });
    expect(gcs.read('reports', 'seed.txt')?.toString()).toBe('seeded');

    const bqOnly = await mintAccessToken(g, WRITER, [BQ]);
    const response = await fetch(`${gcs.url}/storage/v1/b/reports/o/seed.txt`, { headers: { authorization: `Bearer ${bqOnly}` } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED', details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }] } });
  });

  it('refuses a missing or unknown token (401) and a service account that is not a member (403)', async () => {
    const bare = await fetch(`${gcs.url}/storage/v1/b/reports/o/seed.txt?alt=media`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    await expect(storage('ya29.forged').bucket('reports').file('seed.txt').download()).rejects.toMatchObject({ code: 401 });

    const outsider = await mintAccessToken(g, OUTSIDER, [RW]);
    await expect(storage(outsider).bucket('reports').file('seed.txt').download()).rejects.toMatchObject({ code: 403 });
    await storage(outsider).bucket('open').file('mine.txt').save('ok', { resumable: false });
    expect(gcs.calls.at(-1)).toMatchObject({ principal: OUTSIDER, status: 200 });
    await expect(storage(outsider).bucket('missing').file('x').download()).rejects.toMatchObject({ code: 404 });
  });

  it('refuses an upload whose X-Goog-Hash does not match what arrived', async () => {
    const response = await fetch(`${gcs.url}/upload/storage/v1/b/reports/o?uploadType=media&name=bad.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rwToken}`, 'x-goog-hash': 'crc32c=AAAAAA==' },
      body: 'hello',
    });
    expect(response.status).toBe(400);
    expect(gcs.names('reports')).not.toContain('bad.txt');
  });
});
