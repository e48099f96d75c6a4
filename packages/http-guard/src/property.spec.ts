// Properties: nothing thrown on any input, and no path trick turns into a forward outside the
// data API. WHATWG URL parsing (which resolves `..` and `%2e` the way many servers do) is the
// independent judge of where a forwarded path really points.
import { HTTP_CONNECTION_TYPES } from '@jitgate/contracts';
import { compileMasker } from '@jitgate/masking';
import { parseMcpMessage } from '@jitgate/mcp-guard';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskBigQueryRows } from './bigquery-mask.js';
import { decideHttpRequest, needsBody } from './decide.js';
import { decideMcpAcross } from './mcp-across.js';
import { analyzeBigQuerySql } from './sql-analysis.js';
import { tokenizeSql } from './sql-tokenizer.js';
import type { HttpGuardrails } from './types.js';

const none: HttpGuardrails = {
  readOnly: false,
  rules: [],
  bigquery: { block: [], requireApproval: [], datasets: [], unparseable: 'refuse' },
  mcp: [],
  approvals: null,
  approvalTimeoutSeconds: null,
};
const strict: HttpGuardrails = {
  ...none,
  readOnly: true,
  rules: [{ methods: null, paths: ['/**/admin/**'], action: 'approve', rule: { policy: 'p', rule: 'r' } }],
  bigquery: { block: ['drop'], requireApproval: ['merge'], datasets: [{ read: ['a.*'], write: null, rule: { policy: 'p', rule: 'd' } }], unparseable: 'flag' },
  approvals: { count: 1, groups: ['x'], rule: { policy: 'p', rule: 'r' } },
};

const SQL_BITS = [
  'SELECT',
  'FROM',
  'ds.t',
  '`p.d.t`',
  "'",
  '"""',
  "r'\\''",
  '--',
  '#',
  '/*',
  '*/',
  '(',
  ')',
  ';',
  ',',
  'WITH',
  'AS',
  'JOIN',
  'UNNEST',
  'BEGIN',
  'END',
  'IF',
  'THEN',
  'INSERT',
  'INTO',
  'DELETE',
  'CREATE TEMP TABLE',
  'EXECUTE IMMEDIATE',
  '.',
  '-',
  ' ',
  '\n',
  'TABLE',
  'MODEL',
  '|>',
  'x',
];
const sqlish = fc.array(fc.constantFrom(...SQL_BITS), { maxLength: 40 }).map((a) => a.join(' '));

describe('never throws', () => {
  it('tokenizer and analyser, on any string and on SQL-shaped noise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 }), sqlish), (sql) => {
        tokenizeSql(sql);
        const a = analyzeBigQuerySql(sql, { projectId: 'p', defaultDataset: { projectId: 'p', datasetId: 'd' } });
        expect(Array.isArray(a.classes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('decideHttpRequest and needsBody, on any facts and any body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...HTTP_CONNECTION_TYPES),
        fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', ''), fc.string({ maxLength: 10 })),
        fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('/bigquery/v2/projects/p/queries', '/bigquery/v2/projects/p/jobs', '/storage/v1/b/b/o/x')),
        fc.oneof(fc.anything(), fc.record({ query: sqlish, useLegacySql: fc.constant(false) }), fc.record({ configuration: fc.anything() })),
        fc.anything(),
        (type, method, target, body, settings) => {
          const facts = { connectionType: type, settings: { projectId: 'p', ...(typeof settings === 'object' && settings !== null ? settings : {}) }, method, target };
          needsBody(facts);
          for (const http of [none, strict]) expect(['forward', 'block', 'hold']).toContain(decideHttpRequest(facts, http, body).action);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decideMcpAcross and maskBigQueryRows, on any JSON', () => {
    const masker = compileMasker({ columns: ['*mail*'], detectors: ['email'] });
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, readOnly) => {
        decideMcpAcross(parseMcpMessage(value), [{ policy: {}, rule: { policy: 'p', rule: 'r' } }], { readOnly });
        maskBigQueryRows({ schema: { fields: [{ name: 'mail', type: 'STRING' }] }, rows: value }, masker);
        maskBigQueryRows(value, masker);
      }),
      { numRuns: 300 },
    );
  });
});

const PIECES = [
  'bigquery',
  'v2',
  'projects',
  'acme',
  'other',
  'datasets',
  'd',
  'tables',
  't',
  'data',
  'jobs',
  'queries',
  'upload',
  'storage',
  'b',
  'o',
  'ok',
  'secret',
  'iam',
  'batch',
  'download',
  'copyTo',
  '..',
  '.',
  '%2e%2e',
  '%2E.',
  '%2F',
  'a%2Fb',
  '%252e%252e',
  '%5C',
  '\\',
  '',
  'x;y',
  ':getIamPolicy',
  'd:setIamPolicy',
  '%3AtestIamPermissions',
  '%00',
  '%C0%AE',
];
const trickyPath = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 }).map((p) => `/${p.join('/')}`);
const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');

describe('path tricks never forward outside the data API', () => {
  it('BigQuery: only the data paths of the connection project', () => {
    fc.assert(
      fc.property(trickyPath, methods, (target, method) => {
        const d = decideHttpRequest({ connectionType: 'bigquery', settings: { projectId: 'acme' }, method, target }, none, { query: 'SELECT 1', useLegacySql: false });
        if (d.action !== 'forward') return;
        const seen = new URL(target, 'https://bigquery.googleapis.com').pathname;
        expect(seen.startsWith('/bigquery/v2/projects/acme/') || seen === '/upload/bigquery/v2/projects/acme/jobs').toBe(true);
        expect(seen).toBe(target.split('?')[0]);
        expect(decodeURIComponent(seen)).not.toMatch(/:|\\|\/\.\.?(\/|$)/);
      }),
      { numRuns: 3000 },
    );
  });

  it('Cloud Storage: only object paths of the listed buckets', () => {
    fc.assert(
      fc.property(trickyPath, methods, (target, method) => {
        const d = decideHttpRequest({ connectionType: 'gcs', settings: { buckets: ['ok'] }, method, target }, none);
        if (d.action !== 'forward') return;
        const seen = new URL(target, 'https://storage.googleapis.com').pathname;
        expect(seen).toBe(target.split('?')[0]);
        expect(seen).toMatch(/^\/(storage\/v1\/b\/ok(\/o(\/|$)|$)|upload\/storage\/v1\/b\/ok\/o$|download\/storage\/v1\/b\/ok\/o\/)/);
        expect(seen).not.toMatch(/\/iam|\/batch|\/b\/(secret|other)/);
        expect(d.summary.bucket).toBe('ok');
      }),
      { numRuns: 3000 },
    );
  });

  it('plain HTTP: a forwarded path means the same to every server', () => {
    fc.assert(
      fc.property(trickyPath, methods, (target, method) => {
        const d = decideHttpRequest({ connectionType: 'http', settings: {}, method, target }, none);
        if (d.action !== 'forward') return;
        expect(new URL(target, 'https://example.com').pathname).toBe(target);
        expect(target).not.toMatch(/%2f|%5c|%2e|\\|;|\/\/|\/\.\.?(\/|$)/i);
      }),
      { numRuns: 2000 },
    );
  });
});
