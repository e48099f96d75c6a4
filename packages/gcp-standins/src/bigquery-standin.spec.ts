// The BigQuery stand-in driven by the real @google-cloud/bigquery 8.3.1 client, with tokens
// minted by the IAM Credentials stand-in: rows come back typed, DML and DDL are recorded, and
// what Google would refuse (no, forged or expired token, wrong scope, another project, a
// non-member) is refused in Google's shape.
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIGQUERY_SCOPE, startBigQueryStandin, type BigQueryStandin } from './bigquery-standin.js';
import { startGoogleStandins, type GoogleStandins } from './google-standins.js';
import { authClientFor, mintAccessToken } from './spec-support.js';

const AGENT = 'agent@proj-1.iam.gserviceaccount.com';
const ANALYST = 'analyst@proj-1.iam.gserviceaccount.com';
const OUTSIDER = 'outsider@proj-1.iam.gserviceaccount.com';
const STORAGE_RO = 'https://www.googleapis.com/auth/devstorage.read_only';
const PROJECT = 'acme-data';

let clock = Date.now();
let g: GoogleStandins;
let bq: BigQueryStandin;
let token: string;

beforeAll(async () => {
  g = await startGoogleStandins({
    agentEmail: AGENT,
    tokenCreators: [
      { member: AGENT, serviceAccount: ANALYST },
      { member: AGENT, serviceAccount: OUTSIDER },
    ],
    allowedScopes: [BIGQUERY_SCOPE, STORAGE_RO],
    now: () => clock,
  });
  bq = await startBigQueryStandin({
    iam: g.iam,
    projectId: PROJECT,
    members: [ANALYST],
    tables: {
      'finance.invoices': {
        schema: [
          { name: 'id', type: 'INTEGER' },
          { name: 'customer', type: 'STRING' },
          { name: 'amount', type: 'FLOAT' },
          { name: 'paid', type: 'BOOLEAN' },
          { name: 'issued', type: 'TIMESTAMP' },
        ],
        rows: [
          { id: 1, customer: 'Ada', amount: 120.5, paid: true, issued: '2026-01-02T03:04:05.000Z' },
          { id: 2, customer: 'Grace', amount: 80, paid: false, issued: null },
          { id: 3, customer: 'Edsger', amount: 42, paid: true, issued: '2026-02-01T00:00:00.000Z' },
        ],
      },
    },
  });
  token = await mintAccessToken(g, ANALYST, [BIGQUERY_SCOPE]);
});

afterAll(async () => {
  await bq?.close();
  await g?.close();
});

const client = (accessToken = token) => new BigQuery({ projectId: PROJECT, apiEndpoint: bq.url, authClient: authClientFor('@google-cloud/bigquery', accessToken) as never, autoRetry: false });

describe('BigQuery stand-in with @google-cloud/bigquery', () => {
  it('answers query() through jobs.query with typed rows', async () => {
    const [rows] = await client().query('SELECT id, customer, paid, issued FROM `acme-data.finance.invoices` LIMIT 2');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 1, customer: 'Ada', paid: true });
    expect((rows[0] as { issued: { value: string } }).issued.value).toBe('2026-01-02T03:04:05.000Z');
    expect(rows[1]).toMatchObject({ id: 2, issued: null });
    expect(bq.calls.at(-1)).toMatchObject({ method: 'POST', path: `/bigquery/v2/projects/${PROJECT}/queries`, principal: ANALYST, status: 200 });
  });

  it('runs createQueryJob() and getQueryResults() with pages', async () => {
    const [job] = await client().createQueryJob({ query: 'SELECT * FROM finance.invoices' });
    const [first, next] = await job.getQueryResults({ maxResults: 2, autoPaginate: false });
    expect(first.map((r: { id: number }) => r.id)).toEqual([1, 2]);
    const [rest] = await job.getQueryResults({ ...next, autoPaginate: false });
    expect(rest.map((r: { id: number }) => r.id)).toEqual([3]);
    expect(bq.calls.filter((c) => c.path.endsWith(`/queries/${job.id}`)).length).toBe(2);
    const [metadata] = await job.getMetadata();
    expect(metadata.status.state).toBe('DONE');
  });

  it('lists table data (tabledata.list) with the table schema', async () => {
    const [rows] = await client().dataset('finance').table('invoices').getRows({ maxResults: 10 });
    expect(rows.map((r: { customer: string }) => r.customer)).toEqual(['Ada', 'Grace', 'Edsger']);
  });

  it('records DML and DDL statements and answers numDmlAffectedRows', async () => {
    const [, , response] = await client().query('DELETE FROM finance.invoices WHERE id = 1');
    expect(response).toMatchObject({ numDmlAffectedRows: '0', jobComplete: true });
    await client().query('DROP TABLE finance.invoices');
    expect(bq.statements.slice(-2).map((s) => [s.kind, s.sql, s.principal])).toEqual([
      ['dml', 'DELETE FROM finance.invoices WHERE id = 1', ANALYST],
      ['ddl', 'DROP TABLE finance.invoices', ANALYST],
    ]);
  });

  it.each([
    ['anything else', 'SELECT 1', 400, /Syntax error/],
    ['an unknown table', 'SELECT * FROM finance.missing', 404, /Not found: Table acme-data:finance\.missing/],
    ['an unknown column', 'SELECT nope FROM finance.invoices', 400, /Unrecognized name: nope/],
  ])('refuses %s', async (_name, sql, code, message) => {
    const before = bq.statements.length;
    await expect(client().query(sql)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(bq.statements.length).toBe(before);
  });

  it('refuses a call without a token, with a token it did not mint, and after expiry (401)', async () => {
    const bare = await fetch(`${bq.url}/bigquery/v2/projects/${PROJECT}/queries`, { method: 'POST', body: '{"query":"SELECT * FROM finance.invoices"}' });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await bare.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', message: expect.stringMatching(/missing required authentication/) } });
    await expect(client('ya29.forged').query('SELECT * FROM finance.invoices')).rejects.toMatchObject({ code: 401 });

    const shortLived = await mintAccessToken(g, ANALYST, [BIGQUERY_SCOPE, STORAGE_RO], 60);
    await expect(client(shortLived).query('SELECT id FROM finance.invoices')).resolves.toBeDefined();
    clock += 61_000;
    await expect(client(shortLived).query('SELECT id FROM finance.invoices')).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/invalid authentication credentials/) });
    expect(bq.calls.at(-1)).toMatchObject({ principal: undefined, status: 401 });
  });

  it('refuses a token without a BigQuery scope (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT)', async () => {
    const storageOnly = await mintAccessToken(g, ANALYST, [STORAGE_RO]);
    const response = await fetch(`${bq.url}/bigquery/v2/projects/${PROJECT}/queries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${storageOnly}`, 'content-type': 'application/json' },
      body: '{"query":"SELECT * FROM finance.invoices"}',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED', details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }] } });
  });

  it('refuses another project and a service account that is not a member (403 accessDenied)', async () => {
    const other = new BigQuery({ projectId: 'other-project', apiEndpoint: bq.url, authClient: authClientFor('@google-cloud/bigquery', token) as never, autoRetry: false });
    await expect(other.query('SELECT * FROM finance.invoices')).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/Access Denied: Project other-project/) });
    const outsider = await mintAccessToken(g, OUTSIDER, [BIGQUERY_SCOPE]);
    await expect(client(outsider).query('SELECT * FROM finance.invoices')).rejects.toMatchObject({ code: 403 });
    expect(bq.calls.at(-1)).toMatchObject({ principal: OUTSIDER, status: 403 });
  });
});
