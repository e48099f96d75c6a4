// BigQuery and Cloud Storage through the gateway (docs/http.md), with the official client
// libraries pointed at `jitgate connect`'s local URL, the real gateway and agent processes, and
// Google's side played by the stand-ins, which accept only tokens the IAM stand-in minted for
// the connection's service account with the scopes the agent asked for. The caller holds no
// Google credential at any point.
import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, eventually, type TestIdentity } from '@jitgate/testkit';
import { BQ_AI_SA, BQ_SA, BUCKET, GCS_SA, HttpStack, PROJECT } from '../support/http-stack.js';

const GUARDRAILS = [
  {
    name: 'analytics',
    match: { connection: { names: ['analytics'] } },
    bigquery: { block: ['drop', 'delete', 'truncate'], requireApproval: ['update'], datasets: { read: ['finance.*'], write: ['finance.*'] } },
    http: { approvals: { count: 1, groups: ['data-owners'] }, approvalTimeout: '30s' },
    masking: { columns: ['*email*'], detectors: ['payment_card'] },
  },
  {
    // A less-trusted AI model's sessions run as a narrower account (issue 5, §1).
    name: 'ai-models',
    match: { connection: { names: ['analytics'] }, identity: { kinds: ['service'], attributes: { trust: ['low'] } } },
    gcp: { serviceAccount: BQ_AI_SA },
  },
  {
    name: 'files',
    match: { connection: { names: ['files'] } },
    http: { rules: [{ methods: ['DELETE'], paths: ['/storage/v1/b/*/o/**'], action: 'block' }] },
    masking: { detectors: ['email'] },
  },
];

describe('BigQuery and Cloud Storage through jitgate connect', () => {
  let hs: HttpStack;
  let owner: TestIdentity;
  let bigquery: BigQuery;
  let storage: Storage;
  /** The same client without retries, for answers the gateway refuses (502 is retryable). */
  let storageOnce: Storage;

  beforeAll(async () => {
    hs = await HttpStack.start('http_gcp', { guardrails: GUARDRAILS });
    owner = await createIdentity(hs.stack.admin(), { subject: 'dora-data', groups: ['data-owners'] });
    await hs.stack.requestGrant('analytics');
    await hs.stack.requestGrant('files');
    bigquery = new BigQuery({ projectId: PROJECT, apiEndpoint: (await hs.connectHttp('analytics')).url });
    const files = (await hs.connectHttp('files')).url;
    storage = new Storage({ projectId: PROJECT, apiEndpoint: files });
    storageOnce = new Storage({ projectId: PROJECT, apiEndpoint: files, retryOptions: { autoRetry: false } });
  }, 180_000);

  afterAll(async () => {
    await hs?.dispose();
  });

  it('runs a query with the official client; rows come back masked; the token was minted for the connection account only', async () => {
    const [rows] = await bigquery.query({ query: 'SELECT * FROM `finance.invoices`', useLegacySql: false });
    expect(rows).toHaveLength(2);
    expect(rows[0].id).toBe(1);
    expect(rows[0].customer_email).not.toBe('ann@example.com');
    expect(JSON.stringify(rows)).not.toContain('4111 1111 1111 1111');
    const statement = hs.bigquery.statements.at(-1);
    expect(statement).toMatchObject({ principal: BQ_SA, kind: 'select' });
    const minted = hs.google.iam.calls.filter((c) => c.method === 'GenerateAccessToken');
    expect(minted.length).toBeGreaterThan(0);
    for (const call of minted) expect(JSON.stringify(call)).not.toContain('cloud-platform');
    const event = await hs.eventWhere('analytics', (e) => e.kind === 'request' && String(e.statement).includes('finance.invoices'));
    expect(event.details).toMatchObject({ operation: 'bigquery.jobs.query', classes: ['select'] });
    expect(event.details.maskedValues).toBeGreaterThan(0);
  });

  it('blocks DROP and tables outside the allowed datasets before they reach BigQuery', async () => {
    const before = hs.bigquery.statements.length;
    await expect(bigquery.query({ query: 'DROP TABLE finance.invoices', useLegacySql: false })).rejects.toThrow(/blocked|drop/i);
    await expect(bigquery.query({ query: 'SELECT * FROM hr.salaries', useLegacySql: false })).rejects.toThrow(/hr\.salaries|dataset|not allowed/i);
    await expect(bigquery.query({ query: 'SELECT 1; DELETE FROM finance.invoices WHERE true', useLegacySql: false })).rejects.toThrow(/blocked|delete/i);
    expect(hs.bigquery.statements.length).toBe(before);
    const blocked = await hs.eventWhere('analytics', (e) => e.kind === 'blocked' && String(e.statement).includes('DROP TABLE'));
    expect(blocked.outcome).toBe('blocked');
  });

  it('reads SQL as GoogleSQL does: a statement after a comment that a lone CR ends is seen and blocked before BigQuery', async () => {
    const queries = () => hs.bigquery.calls.filter((c) => c.method === 'POST').length;
    const [callsBefore, statementsBefore] = [queries(), hs.bigquery.statements.length];
    // In GoogleSQL `--` and `#` comments end at a CR as at an LF: the DROP / DELETE are statements.
    await expect(bigquery.query({ query: 'SELECT id FROM finance.invoices -- note\r; DROP TABLE finance.invoices', useLegacySql: false })).rejects.toThrow(/BigQuery drop statements are blocked/);
    await expect(bigquery.query({ query: 'SELECT id FROM finance.invoices # note\r; DELETE FROM finance.invoices WHERE true', useLegacySql: false })).rejects.toThrow(/BigQuery delete statements are blocked/);
    // What the guard cannot read for sure (an escape GoogleSQL does not define) is refused, not guessed.
    await expect(bigquery.query({ query: "SELECT id FROM finance.invoices WHERE note = '\\q'", useLegacySql: false })).rejects.toThrow(/cannot be fully analysed/i);
    expect(queries()).toBe(callsBefore);
    expect(hs.bigquery.statements.length).toBe(statementsBefore);
    const blocked = await hs.eventWhere('analytics', (e) => e.kind === 'blocked' && String(e.statement).includes('\r; DROP TABLE'));
    expect(blocked.details).toMatchObject({ classes: ['select', 'drop'] });
  });

  it('holds an UPDATE until a data owner approves it through the REST API; the owner reads the SQL as it will run', async () => {
    const sql = "UPDATE finance.invoices SET note = 'paid by card 4111 1111 1111 1111' WHERE id = 2";
    const run = bigquery.query({ query: sql, useLegacySql: false });
    const request = await eventually(async () => {
      const queue = await owner.api.get('/v1/access-requests?status=pending');
      return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && String(r.statement).includes('UPDATE finance.invoices'));
    }, 15_000);
    expect(hs.bigquery.statements.some((s) => s.sql.startsWith('UPDATE'))).toBe(false);
    // Not masked for the caller's sake: the approver approves what they read.
    expect(request.statement).toMatch(new RegExp(`^POST /bigquery/v2/projects/${PROJECT}/(queries|jobs)\\S*\\n`));
    // The request line, the SQL, then the body as it will be sent (defaultDataset, destinationTable…).
    const [, shownSql, ...sent] = request.statement.split('\n');
    expect(shownSql).toBe(sql);
    expect(JSON.parse(sent.join('\n'))).toMatchObject({ query: sql, useLegacySql: false });
    expect((await owner.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'ok' })).status).toBe(200);
    await run;
    expect(hs.bigquery.statements.filter((s) => s.sql.startsWith('UPDATE'))).toHaveLength(1);
  });

  it('refuses the IAM methods and other projects whatever the policy says', async () => {
    const direct = `${hs.connectionUrl('analytics')}/bigquery/v2/projects`;
    for (const [path, method] of [
      [`/${PROJECT}/datasets/finance:setIamPolicy`, 'POST'],
      [`/${PROJECT}/datasets/finance:getIamPolicy`, 'POST'],
      ['/other-project/queries', 'POST'],
    ] as const) {
      const res = await fetch(`${direct}${path}`, { method, headers: { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, path).toBe(403);
      expect(res.headers.get('x-jitgate-error')).toBe('blocked');
    }
    expect(hs.bigquery.calls.some((c) => c.path.includes('IamPolicy') || c.path.includes('other-project'))).toBe(false);
  });

  it('uploads and downloads with the official Storage client; text comes back masked, bytes the masker cannot read are refused', async () => {
    const bucket = storage.bucket(BUCKET);
    await bucket.file('notes/contacts.txt').save('call ann@example.com on monday\n', { resumable: false, contentType: 'text/plain' });
    expect(hs.storage.read(BUCKET, 'notes/contacts.txt')?.toString()).toContain('ann@example.com');
    const [text] = await bucket.file('notes/contacts.txt').download({ validation: false });
    expect(text.toString()).toContain('call ');
    expect(text.toString()).not.toContain('ann@example.com');
    const blob = randomBytes(3 * 1024 * 1024);
    blob[0] = 0xff; // not UTF-8: nothing the detectors can read
    await bucket.file('blobs/random.bin').save(blob, { resumable: true, contentType: 'application/octet-stream' });
    expect(Buffer.compare(hs.storage.read(BUCKET, 'blobs/random.bin')!, blob)).toBe(0);
    await expect(storageOnce.bucket(BUCKET).file('blobs/random.bin').download()).rejects.toMatchObject({ code: 502, message: expect.stringMatching(/not UTF-8/) });
    const calls = hs.storage.calls.filter((c) => c.principal !== undefined);
    expect(new Set(calls.map((c) => c.principal))).toEqual(new Set([GCS_SA]));
  });

  it('masks a ranged download whole: a range that starts inside a character does not return the rest in clear', async () => {
    const file = storage.bucket(BUCKET).file('notes/range.txt');
    await file.save('é call ann@example.com on monday\n', { resumable: false, contentType: 'text/plain' });
    const before = hs.storage.calls.length;
    // Byte 1 is inside "é": from there the object is not UTF-8.
    const [part] = await file.download({ start: 1, validation: false });
    expect(part.toString('latin1')).not.toContain('ann@example.com');
    expect(part.toString()).toContain('é call ');
    const url = `${hs.connectionUrl('files')}/download/storage/v1/b/${BUCKET}/o/notes%2Frange.txt?alt=media`;
    const curl = await new Promise<string>((resolve) => {
      const child = spawn('curl', ['-sS', '-i', '--max-time', '20', '-H', `Authorization: Bearer ${hs.token}`, '-H', 'Range: bytes=1-', url]);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('latin1')));
      child.on('close', () => resolve(out));
    });
    expect(curl).toMatch(/^HTTP\/1\.1 200/);
    expect(curl).not.toContain('ann@example.com');
    // On Cloud Storage's side: whole reads (200), never a 206.
    const reads = hs.storage.calls.slice(before).filter((c) => c.method === 'GET' && c.path.includes('range.txt'));
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.every((c) => c.status === 200)).toBe(true);
  });

  it('refuses an object the masker cannot read instead of passing it in clear', async () => {
    const latin1 = Buffer.from('name,email\ncaf\xe9,ann@example.com\n', 'latin1');
    await storage.bucket(BUCKET).file('notes/latin1.csv').save(latin1, { resumable: false, contentType: 'text/csv' });
    await expect(storageOnce.bucket(BUCKET).file('notes/latin1.csv').download({ validation: false })).rejects.toMatchObject({ code: 502 });
    const direct = await fetch(`${hs.connectionUrl('files')}/download/storage/v1/b/${BUCKET}/o/notes%2Flatin1.csv?alt=media`, { headers: { authorization: `Bearer ${hs.token}` } });
    expect(direct.status).toBe(502);
    expect(direct.headers.get('x-jitgate-error')).toBe('unmaskable_body');
    expect(await direct.text()).not.toContain('ann@example.com');
    expect(hs.storage.read(BUCKET, 'notes/latin1.csv')).toEqual(latin1);
  });

  it('blocks object deletion by the path rule, and buckets outside the connection', async () => {
    await expect(storage.bucket(BUCKET).file('q3/summary.csv').delete()).rejects.toMatchObject({ code: 403 });
    expect(hs.storage.names(BUCKET)).toContain('q3/summary.csv');
    await expect(storage.bucket('someone-elses').file('x').download()).rejects.toMatchObject({ code: 403 });
  });

  it('mints for the narrower account the policy maps an AI model to', async () => {
    const model = await createIdentity(hs.stack.admin(), { subject: 'model-x', kind: 'service', attributes: { model: 'untrusted-7b', trust: 'low' } });
    const granted = await model.api.post('/v1/access-requests', { connection: 'analytics', duration: 600, reason: 'nightly report' });
    expect(granted.body.status).toBe('approved');
    const res = await fetch(`${hs.connectionUrl('analytics')}/bigquery/v2/projects/${PROJECT}/queries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${model.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT id FROM finance.invoices', useLegacySql: false }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(hs.bigquery.statements.at(-1)).toMatchObject({ principal: BQ_AI_SA, sql: 'SELECT id FROM finance.invoices' });
    expect(hs.google.iam.calls.some((c) => JSON.stringify(c).includes(BQ_AI_SA))).toBe(true);
  });

  it('refuses a request body over the limit and malformed JSON, and goes on', async () => {
    const url = `${hs.connectionUrl('analytics')}/bigquery/v2/projects/${PROJECT}/queries`;
    const headers = { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json' };
    const bad = await fetch(url, { method: 'POST', headers, body: '{"query": ' });
    expect(bad.status).toBe(400);
    const big = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: `SELECT '${'x'.repeat(11 * 1024 * 1024)}'` }) });
    expect(big.status).toBe(413);
    const [rows] = await bigquery.query({ query: 'SELECT id FROM `finance.invoices`', useLegacySql: false });
    expect(rows).toHaveLength(2);
  });

  it("leaves no minted Google token in the gateway's database, the logs, or the CLI's output", async () => {
    const minted = hs.google.iam.mintedTokens();
    expect(minted.length).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: hs.stack.database.url });
    await db.connect();
    try {
      const tables = ['session_events', 'audit_events', 'sessions', 'access_requests', 'connections'];
      const dumps = await Promise.all(tables.map(async (table) => JSON.stringify((await db.query(`SELECT * FROM ${table}`)).rows)));
      for (const token of minted) for (const [i, dump] of dumps.entries()) expect(dump.includes(token), `${tables[i]} holds a minted token`).toBe(false);
    } finally {
      await db.end();
    }
    const outputs = [...hs.stack.gateways.flatMap((g) => g.runs.map((r) => r.stdout + r.stderr)), ...hs.stack.agents.map((a) => a.stdout + a.stderr), ...hs.stack.clis.map((c) => c.stdout + c.stderr)];
    for (const token of minted) for (const output of outputs) expect(output.includes(token)).toBe(false);
  });
});
