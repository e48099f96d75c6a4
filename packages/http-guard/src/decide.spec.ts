import { describe, expect, it } from 'vitest';
import { decideHttpRequest, needsBody } from './decide.js';
import type { HttpDecision, HttpGuardrails, HttpRequestFacts } from './types.js';

const g = { policy: 'p', rule: 'g' };
const owners = { count: 1, groups: ['data-owners'], rule: g };
const none: HttpGuardrails = {
  readOnly: false,
  rules: [],
  bigquery: { block: [], requireApproval: [], datasets: [], unparseable: 'refuse' },
  mcp: [],
  approvals: null,
  approvalTimeoutSeconds: null,
};
const guarded: HttpGuardrails = {
  ...none,
  rules: [
    { methods: ['DELETE'], paths: ['/storage/v1/b/*/o/**'], action: 'block', rule: { policy: 'p', rule: 'no-delete' } },
    { methods: null, paths: ['/admin/**'], action: 'approve', rule: { policy: 'p', rule: 'admin' } },
  ],
  bigquery: {
    block: ['drop', 'truncate'],
    requireApproval: ['update', 'merge'],
    datasets: [{ read: ['finance.*', 'bigquery-public-data.*.*'], write: ['scratch.*'], rule: { policy: 'p', rule: 'lists' } }],
    unparseable: 'refuse',
  },
  approvals: owners,
};

const Q = '/bigquery/v2/projects/acme/queries';
const bq = (method: string, target: string): HttpRequestFacts => ({ connectionType: 'bigquery', settings: { projectId: 'acme' }, method, target });
const query = (sql: string, extra: Record<string, unknown> = {}) => ({ query: sql, useLegacySql: false, ...extra });

function short(d: HttpDecision): string {
  if (d.action === 'forward') return d.summary.flagged === undefined ? 'forward' : 'forward:flagged';
  return `${d.action}:${d.rule?.rule ?? '-'}`;
}

describe('decideHttpRequest on BigQuery', () => {
  const cases: Array<[string, HttpRequestFacts, unknown, HttpGuardrails, string]> = [
    ['a read of listed tables', bq('POST', Q), query('SELECT * FROM finance.invoices JOIN `bigquery-public-data.usa_names.usa_1910_2013` USING (name)'), guarded, 'forward'],
    ['a read outside the lists', bq('POST', Q), query('SELECT * FROM hr.salaries'), guarded, 'block:lists'],
    ['a write into scratch from finance', bq('POST', Q), query('CREATE TABLE scratch.x AS SELECT * FROM finance.y'), guarded, 'forward'],
    ['a write outside write', bq('POST', Q), query('INSERT INTO finance.y SELECT 1'), guarded, 'block:lists'],
    ['a read of a write-listed table', bq('POST', Q), query('SELECT * FROM scratch.x'), guarded, 'forward'],
    ['a blocked class', bq('POST', Q), query('DROP TABLE scratch.x'), guarded, 'block:-'],
    ['a blocked class in a script', bq('POST', Q), query('SELECT 1; TRUNCATE TABLE scratch.x'), guarded, 'block:-'],
    ['a held class', bq('POST', Q), query('UPDATE scratch.x SET a = 1 WHERE true'), guarded, 'hold:g'],
    ['a held class too long to show an approver whole', bq('POST', Q), query(`UPDATE scratch.x SET a = 1 WHERE id = 1 /* ${'x'.repeat(17 * 1024)} */ OR true`), guarded, 'block:-'],
    ['dynamic SQL', bq('POST', Q), query("EXECUTE IMMEDIATE 'DROP TABLE scratch.x'"), guarded, 'block:-'],
    ['dynamic SQL, flagged', bq('POST', Q), query("EXECUTE IMMEDIATE 'SELECT 1'"), { ...guarded, bigquery: { ...guarded.bigquery, unparseable: 'flag' } }, 'forward:flagged'],
    ['a table without a dataset', bq('POST', Q), query('SELECT * FROM invoices'), guarded, 'block:-'],
    ['the default dataset qualifies it', bq('POST', Q), query('SELECT * FROM invoices', { defaultDataset: { datasetId: 'finance' } }), guarded, 'forward'],
    ['legacy SQL by default', bq('POST', Q), { query: 'SELECT 1' }, guarded, 'block:-'],
    ['legacy SQL with no rule', bq('POST', Q), { query: 'SELECT 1' }, none, 'forward'],
    ['#standardSQL wins over the default', bq('POST', Q), { query: '#standardSQL\nSELECT * FROM finance.x' }, guarded, 'forward'],
    // The prefix counts only as BigQuery documents it: the first line, alone on it, ended by LF.
    ['#standardSQL not alone on its line', bq('POST', Q), { query: '#standardSQL-x\nSELECT * FROM finance.x' }, guarded, 'block:-'],
    ['#standardSQL ended by a lone CR', bq('POST', Q), { query: '#standardSQL\rSELECT * FROM finance.x' }, guarded, 'block:-'],
    ['#standardSQL after other text', bq('POST', Q), { query: '\u00a0#standardSQL\nSELECT * FROM finance.x' }, guarded, 'block:-'],
    ['#standardSQL with the flag', bq('POST', Q), query('#standardSQL\r\nSELECT * FROM finance.x'), guarded, 'forward'],
    ['no body', bq('POST', Q), undefined, guarded, 'block:-'],
    ['a body that is JSON text', bq('POST', Q), JSON.stringify(query('SELECT * FROM finance.x')), guarded, 'forward'],
    [
      'a query job writing a listed table',
      bq('POST', '/bigquery/v2/projects/acme/jobs'),
      { configuration: { query: query('SELECT * FROM finance.x', { destinationTable: { projectId: 'acme', datasetId: 'scratch', tableId: 'out' } }) } },
      guarded,
      'forward',
    ],
    [
      'a query job writing elsewhere',
      bq('POST', '/bigquery/v2/projects/acme/jobs'),
      { configuration: { query: query('SELECT * FROM finance.x', { destinationTable: { datasetId: 'finance', tableId: 'out' } }) } },
      guarded,
      'block:lists',
    ],
    [
      'a load job into scratch',
      bq('POST', '/upload/bigquery/v2/projects/acme/jobs?uploadType=resumable'),
      { configuration: { load: { destinationTable: { datasetId: 'scratch', tableId: 't' } } } },
      guarded,
      'forward',
    ],
    ['an extract of an unlisted table', bq('POST', '/bigquery/v2/projects/acme/jobs'), { configuration: { extract: { sourceTable: { datasetId: 'hr', tableId: 'salaries' } } } }, guarded, 'block:lists'],
    [
      'a copy out of finance into scratch',
      bq('POST', '/bigquery/v2/projects/acme/jobs'),
      { configuration: { copy: { sourceTables: [{ datasetId: 'finance', tableId: 'a' }], destinationTable: { datasetId: 'scratch', tableId: 'b' } } } },
      guarded,
      'forward',
    ],
    [
      'a copy with a second, unlisted source',
      bq('POST', '/bigquery/v2/projects/acme/jobs'),
      { configuration: { copy: { sourceTables: [{ datasetId: 'finance', tableId: 'a' }], sourceTable: { datasetId: 'hr', tableId: 's' }, destinationTable: { datasetId: 'scratch', tableId: 'b' } } } },
      guarded,
      'block:lists',
    ],
    [
      'an extract naming a table and a model',
      bq('POST', '/bigquery/v2/projects/acme/jobs'),
      { configuration: { extract: { sourceTable: { datasetId: 'finance', tableId: 'a' }, sourceModel: { datasetId: 'hr', modelId: 'm' } } } },
      guarded,
      'block:lists',
    ],
    ['a job of two kinds', bq('POST', '/bigquery/v2/projects/acme/jobs'), { configuration: { query: query('SELECT 1'), load: {} } }, guarded, 'block:-'],
    ['tabledata.list of an unlisted table', bq('GET', '/bigquery/v2/projects/acme/datasets/hr/tables/salaries/data'), undefined, guarded, 'block:lists'],
    ['insertAll into scratch', bq('POST', '/bigquery/v2/projects/acme/datasets/scratch/tables/t/insertAll'), undefined, guarded, 'forward'],
    ['IAM is outside the data API', bq('POST', '/bigquery/v2/projects/acme/datasets/finance:getIamPolicy'), undefined, none, 'block:-'],
  ];
  it.each(cases)('%s', (_name, facts, body, http, expected) => {
    expect(short(decideHttpRequest(facts, http, body))).toBe(expected);
  });

  it('summarises the request', () => {
    const d = decideHttpRequest(bq('POST', `${Q}?alt=json`), guarded, query('SELECT a FROM finance.x'));
    expect(d.summary).toEqual({ operation: 'bigquery.jobs.query', path: Q, sql: 'SELECT a FROM finance.x', classes: ['select'], tables: { read: ['acme.finance.x'], written: [] } });
  });

  it('is read-only with readOnly: reads pass, writes and exports do not', () => {
    const ro = { ...none, readOnly: true };
    expect(short(decideHttpRequest(bq('POST', Q), ro, query('SELECT * FROM any.t')))).toBe('forward');
    expect(short(decideHttpRequest(bq('POST', Q), ro, query('DECLARE x INT64; SET x = 1; SELECT x')))).toBe('forward');
    expect(short(decideHttpRequest(bq('POST', Q), ro, query('INSERT ds.t VALUES (1)')))).toBe('block:-');
    expect(short(decideHttpRequest(bq('POST', Q), ro, query("EXPORT DATA OPTIONS (uri='gs://b/*') AS SELECT 1")))).toBe('block:-');
    expect(short(decideHttpRequest(bq('POST', '/bigquery/v2/projects/acme/jobs'), ro, { configuration: { query: query('SELECT 1', { destinationTable: { datasetId: 'd', tableId: 't' } }) } }))).toBe('block:-');
    expect(short(decideHttpRequest(bq('POST', '/bigquery/v2/projects/acme/datasets/d/tables/t/insertAll'), ro, undefined))).toBe('block:-');
    expect(short(decideHttpRequest(bq('POST', '/bigquery/v2/projects/acme/jobs/j/cancel'), ro, undefined))).toBe('forward');
  });

  it('needs the body only for jobs.query and jobs.insert', () => {
    expect(needsBody(bq('POST', Q))).toBe(true);
    expect(needsBody(bq('POST', '/bigquery/v2/projects/acme/jobs'))).toBe(true);
    expect(needsBody(bq('POST', '/upload/bigquery/v2/projects/acme/jobs'))).toBe(true);
    expect(needsBody(bq('GET', '/bigquery/v2/projects/acme/jobs'))).toBe(false);
    expect(needsBody(bq('POST', '/bigquery/v2/projects/other/queries'))).toBe(false);
    expect(needsBody({ connectionType: 'http', settings: {}, method: 'POST', target: '/x' })).toBe(false);
  });

  it('echoes at most about 200 characters of caller input', () => {
    const d = decideHttpRequest(bq('POST', Q), guarded, query(`SELECT * FROM hr.${'x'.repeat(5000)}`));
    expect(d.action).toBe('block');
    expect(d.action !== 'forward' && d.reason.length).toBeLessThan(320);
  });
});

describe('decideHttpRequest on other connections', () => {
  const facts = (connectionType: HttpRequestFacts['connectionType'], method: string, target: string, settings: Record<string, unknown> = {}): HttpRequestFacts => ({ connectionType, settings, method, target });

  it.each([
    ['gcs DELETE of an object is blocked by a path rule', facts('gcs', 'DELETE', '/storage/v1/b/data/o/a%2Fb'), guarded, 'block:no-delete'],
    ['gcs GET of the same object passes', facts('gcs', 'GET', '/storage/v1/b/data/o/a%2Fb'), guarded, 'forward'],
    ['http /admin is held', facts('http', 'POST', '/admin/users/1?x=2'), guarded, 'hold:admin'],
    ['http elsewhere passes', facts('http', 'POST', '/api/users'), guarded, 'forward'],
    ['read-only refuses a POST', facts('cloudrun', 'POST', '/api'), { ...none, readOnly: true }, 'block:-'],
    ['HEAD is outside the Cloud Storage JSON API', facts('gcs', 'HEAD', '/storage/v1/b/data'), { ...none, readOnly: true }, 'block:-'],
    ['read-only leaves MCP POSTs to the JSON-RPC decision', facts('mcp', 'POST', '/mcp'), { ...none, readOnly: true }, 'forward'],
    ['an approve rule without approvers blocks', facts('http', 'GET', '/admin'), { ...guarded, approvals: null }, 'block:-'],
    [
      'a block rule wins over an approve rule',
      facts('http', 'DELETE', '/admin/x'),
      {
        ...none,
        approvals: owners,
        rules: [
          { methods: null, paths: ['/admin/**'], action: 'approve', rule: g },
          { methods: ['DELETE'], paths: ['/**'], action: 'block', rule: { policy: 'p', rule: 'b' } },
        ],
      },
      'block:b',
    ],
    ['a path trick is refused', facts('http', 'GET', '/public/..%2Fadmin'), none, 'block:-'],
  ] as Array<[string, HttpRequestFacts, HttpGuardrails, string]>)('%s', (_n, f, http, expected) => {
    expect(short(decideHttpRequest(f, http))).toBe(expected);
  });

  it('reports the bucket and object of Cloud Storage requests', () => {
    const d = decideHttpRequest(facts('gcs', 'GET', '/download/storage/v1/b/data/o/a%2Fb.csv'), none);
    expect(d.summary).toEqual({ operation: 'gcs.objects.download', path: '/download/storage/v1/b/data/o/a%2Fb.csv', bucket: 'data', object: 'a/b.csv' });
  });
});
