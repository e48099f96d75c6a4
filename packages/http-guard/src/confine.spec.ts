import { describe, expect, it } from 'vitest';
import { routeRequest } from './confine.js';
import type { HttpConnectionType } from '@jitgate/contracts';

const bq = { projectId: 'acme' };
const gcs = { buckets: ['data', 'out'] };
const P = '/bigquery/v2/projects/acme';

function op(type: HttpConnectionType, settings: Record<string, unknown>, method: string, target: string): string {
  const r = routeRequest(type, settings, method, target);
  return r.ok ? r.route.operation : `refused: ${r.reason}`;
}

describe('BigQuery confinement', () => {
  it.each([
    ['POST', `${P}/queries`, 'bigquery.jobs.query'],
    ['GET', `${P}/queries/job_1?location=EU&pageToken=x`, 'bigquery.jobs.getQueryResults'],
    ['POST', `${P}/jobs`, 'bigquery.jobs.insert'],
    ['GET', `${P}/jobs`, 'bigquery.jobs.list'],
    ['GET', `${P}/jobs/job_1`, 'bigquery.jobs.get'],
    ['POST', `${P}/jobs/job_1/cancel`, 'bigquery.jobs.cancel'],
    ['GET', `${P}/datasets`, 'bigquery.datasets.list'],
    ['GET', `${P}/datasets/finance`, 'bigquery.datasets.get'],
    ['GET', `${P}/datasets/finance/tables`, 'bigquery.tables.list'],
    ['GET', `${P}/datasets/finance/tables/invoices`, 'bigquery.tables.get'],
    ['GET', `${P}/datasets/finance/tables/invoices/data`, 'bigquery.tabledata.list'],
    ['POST', `${P}/datasets/finance/tables/invoices/insertAll`, 'bigquery.tabledata.insertAll'],
    ['POST', '/upload/bigquery/v2/projects/acme/jobs?uploadType=resumable', 'bigquery.jobs.insert'],
    ['PUT', '/upload/bigquery/v2/projects/acme/jobs?uploadType=resumable&upload_id=abc', 'bigquery.jobs.upload'],
  ])('%s %s → %s', (method, target, expected) => {
    expect(op('bigquery', bq, method, target)).toBe(expected);
  });

  it.each([
    ['POST', `${P}/datasets/finance:getIamPolicy`],
    ['POST', `${P}/datasets/finance/tables/invoices:setIamPolicy`],
    ['POST', `${P}/datasets/finance/tables/invoices:testIamPermissions`],
    ['GET', '/bigquery/v2/projects/other/datasets'],
    ['GET', '/bigquery/v2/projects'],
    ['POST', `${P}/datasets`],
    ['PATCH', `${P}/datasets/finance`],
    ['DELETE', `${P}/datasets/finance`],
    ['POST', `${P}/datasets/finance/tables`],
    ['PUT', `${P}/datasets/finance/tables/invoices`],
    ['DELETE', `${P}/datasets/finance/tables/invoices`],
    ['DELETE', `${P}/jobs/job_1/delete`],
    ['GET', `${P}/serviceAccount`],
    ['GET', `${P}/datasets/finance/routines`],
    ['POST', '/batch/bigquery/v2'],
    ['GET', `${P}/datasets/finance/../../../other/datasets`],
    ['GET', `${P}/datasets/%2e%2e/x`],
    ['GET', `${P}/datasets/finance%2Ftables`],
    ['GET', `${P}//datasets`],
    ['GET', `${P}/datasets\\finance`],
    ['GET', `${P}/datasets/finance;x=1`],
    ['GET', `${P}/datasets/%252e%252e`],
    ['GET', `${P}/datasets/`],
    ['PUT', '/upload/bigquery/v2/projects/acme/jobs'],
    ['CONNECT', `${P}/jobs`],
    ['get', `${P}/jobs`],
    ['GET', `http://evil.example${P}/jobs`],
  ])('refuses %s %s', (method, target) => {
    expect(op('bigquery', bq, method, target)).toMatch(/^refused/);
  });

  it('refuses everything without a project', () => {
    expect(op('bigquery', {}, 'GET', `${P}/jobs`)).toBe('refused: connection has no settings.projectId');
  });
});

describe('Cloud Storage confinement', () => {
  it.each([
    ['GET', '/storage/v1/b/data', 'gcs.buckets.get'],
    ['GET', '/storage/v1/b/data/o?prefix=a%2F', 'gcs.objects.list'],
    ['POST', '/storage/v1/b/data/o?name=x', 'gcs.objects.insert'],
    ['GET', '/storage/v1/b/data/o/dir%2Ffile.csv?alt=media', 'gcs.objects.get'],
    ['PATCH', '/storage/v1/b/data/o/a', 'gcs.objects.patch'],
    ['PUT', '/storage/v1/b/data/o/a', 'gcs.objects.update'],
    ['DELETE', '/storage/v1/b/data/o/a', 'gcs.objects.delete'],
    ['POST', '/storage/v1/b/data/o/a/compose', 'gcs.objects.compose'],
    ['POST', '/storage/v1/b/data/o/a%2Fb/copyTo/b/out/o/c%2Fd', 'gcs.objects.copy'],
    ['POST', '/storage/v1/b/data/o/a/rewriteTo/b/out/o/c', 'gcs.objects.rewrite'],
    ['POST', '/upload/storage/v1/b/data/o?uploadType=resumable&name=x', 'gcs.objects.upload'],
    ['PUT', '/upload/storage/v1/b/data/o?uploadType=resumable&upload_id=1', 'gcs.objects.upload'],
    ['GET', '/download/storage/v1/b/data/o/a%2Fb', 'gcs.objects.download'],
  ])('%s %s → %s', (method, target, expected) => {
    expect(op('gcs', gcs, method, target)).toBe(expected);
  });

  it('decodes object names', () => {
    const r = routeRequest('gcs', gcs, 'GET', '/storage/v1/b/data/o/dir%2Fr%C3%A9sum%C3%A9.pdf');
    expect(r.ok && r.route).toMatchObject({ bucket: 'data', object: 'dir/résumé.pdf' });
  });

  it.each([
    ['GET', '/storage/v1/b'],
    ['POST', '/storage/v1/b'],
    ['GET', '/storage/v1/b/secret/o'],
    ['GET', '/storage/v1/b/data/iam'],
    ['PUT', '/storage/v1/b/data/iam'],
    ['GET', '/storage/v1/b/data/iam/testPermissions'],
    ['GET', '/storage/v1/b/data/o/a/acl'],
    ['POST', '/storage/v1/b/data/o/a/copyTo/b/secret/o/c'],
    ['POST', '/batch/storage/v1'],
    ['DELETE', '/storage/v1/b/data'],
    ['POST', '/storage/v1/b/data/o/watch'],
    ['GET', '/storage/v1/b/data%2Fx/o'],
    ['GET', '/storage/v1/b/data/o/a/..'],
    ['GET', '/storage/v1/b/data/o/%2e%2e'],
    ['GET', '/storage/v1/b/data/o/a%5Cb'],
    ['GET', '/storage/v1/b/data/o/a%00b'],
    ['GET', '/storage/v1/b/data/o/a%ZZ'],
    ['GET', '/storage/v1/b/data/o/%C3'],
    ['GET', '/download/storage/v1/b/secret/o/a'],
  ])('refuses %s %s', (method, target) => {
    expect(op('gcs', gcs, method, target)).toMatch(/^refused/);
  });

  it('allows every well-formed bucket without settings.buckets, and refuses a malformed list', () => {
    expect(op('gcs', {}, 'GET', '/storage/v1/b/anything/o')).toBe('gcs.objects.list');
    expect(op('gcs', { buckets: 'data' }, 'GET', '/storage/v1/b/data/o')).toMatch(/^refused/);
  });
});

describe('plain HTTP confinement', () => {
  it.each(['http', 'cloudrun', 'mcp'] as const)('%s: any path, but no tricks', (type) => {
    expect(op(type, {}, 'GET', '/')).toBe('http');
    expect(op(type, {}, 'DELETE', '/api/v1/items/7?x=1')).toBe('http');
    expect(op(type, {}, 'GET', '/api/')).toBe('http');
    for (const bad of ['/a/../b', '/a/%2E%2e/b', '/a%2Fb', '/a//b', '/a\\b', '/a;b', 'a', '*', '/a b', '/a#b', '/é']) {
      expect(op(type, {}, 'GET', bad)).toMatch(/^refused/);
    }
    expect(op(type, {}, 'TRACE', '/')).toMatch(/^refused/);
  });
});
