// The settings each connection type accepts (@jitgate/contracts, which the agent reads them
// with): strict, so that no credential can be stored by accident.
import { CONNECTION_SETTINGS as SETTINGS_BY_TYPE } from '@jitgate/contracts';
import { describe, expect, it } from 'vitest';
import { createConnectionBody } from './connection.schemas.js';

const SA = 'reader-one@proj-12345.iam.gserviceaccount.com';
const HOP = 'hop-one@proj-12345.iam.gserviceaccount.com';

describe('HTTP connection settings', () => {
  it.each([
    ['http', { baseUrl: 'https://api.example.com/v1' }],
    ['bigquery', { projectId: 'proj-12345', targetServiceAccount: SA, delegates: [HOP] }],
    ['bigquery', { projectId: 'proj-12345', scopes: ['https://www.googleapis.com/auth/bigquery.readonly'] }],
    ['gcs', { scopes: ['https://www.googleapis.com/auth/devstorage.read_only'] }],
    ['gcs', { buckets: ['acme-data'], targetServiceAccount: SA, delegates: [HOP] }],
    ['cloudrun', { url: 'https://reports-abc123-ew.a.run.app', audience: 'reports', delegates: [HOP] }],
    ['mcp', { url: 'https://mcp.example.com/mcp' }],
    ['mcp', { url: 'https://mcp.example.com/mcp', audience: 'https://mcp.example.com', targetServiceAccount: SA, delegates: [HOP] }],
  ] as const)('%s accepts %j', (type, settings) => {
    expect(SETTINGS_BY_TYPE[type].safeParse(settings).success).toBe(true);
  });

  it.each([
    ['mcp', { url: 'https://mcp.example.com/mcp', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }, 'mcp takes an audience, not scopes'],
    ['mcp', { url: 'https://mcp.example.com/mcp', audience: '' }, 'an empty audience'],
    ['gcs', { delegates: Array.from({ length: 10 }, () => HOP) }, 'more than 9 delegates'],
    ['bigquery', { projectId: 'proj-12345', delegates: ['not-an-account'] }, 'a delegate that is not a service account'],
    ['cloudrun', { url: 'https://u:p@svc.example' }, 'credentials in the URL'],
    ['mcp', { url: 'https://mcp.example.com/mcp?key=1' }, 'a query on the root'],
    ['http', { baseUrl: 'https://api.example.com/#x' }, 'a fragment on the root'],
    ['http', { baseUrl: 'https://api.example.com', token: 'secret' }, 'an unknown field'],
    ['http', { baseUrl: 'https://api.example.com', delegates: [HOP] }, 'delegates on http'],
    ['bigquery', { projectId: 'proj-12345', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }, 'cloud-platform on a data connection'],
    ['gcs', { scopes: ['https://www.googleapis.com/auth/bigquery'] }, "another API's scope"],
    ['gcs', { scopes: [] }, 'no scopes at all'],
  ] as const)('%s refuses %j (%s)', (type, settings, _why) => {
    expect(SETTINGS_BY_TYPE[type].safeParse(settings).success).toBe(false);
  });

  it('checks settings by type when a connection is created', () => {
    const body = { name: 'tools', type: 'mcp', agentGroup: 'edge', settings: { url: 'https://mcp.example.com/mcp', delegates: [HOP] }, credentialRef: `gcp-sa:${SA}` };
    expect(createConnectionBody.safeParse(body).success).toBe(true);
    expect(createConnectionBody.safeParse({ ...body, settings: { url: 'https://mcp.example.com/mcp', scopes: [] } }).success).toBe(false);
  });
});

describe('postgres connection settings', () => {
  const base = { host: 'db.internal', database: 'orders', user: 'orders_rw', sslmode: 'require' };

  it.each([
    [{}, 'one login'],
    [{ scopes: {} }, 'no scoped login'],
    [{ scopes: { 'read-only': { user: 'orders_ro', credentialRef: 'env:ORDERS_RO_PASSWORD' } } }, 'a read-only role'],
    [{ scopes: { 'read-only': { credentialRef: `gcp-sa:${SA}` } } }, 'a read-only Cloud SQL IAM user named by its account'],
  ] as Array<[object, string]>)('accepts %j (%s)', (extra) => {
    expect(SETTINGS_BY_TYPE.postgres.safeParse({ ...base, ...extra }).success).toBe(true);
  });

  it.each([
    [{ scopes: { 'read-only': { user: 'orders_ro', password: 'hunter2', credentialRef: 'env:X' } } }, 'a password beside the reference'],
    [{ scopes: { 'read-only': { user: 'orders_ro' } } }, 'no credential reference'],
    [{ scopes: { 'read-only': { user: 'orders_ro', credentialRef: 'hunter2' } } }, 'a value where the reference goes'],
    [{ scopes: { admin: { user: 'orders_admin', credentialRef: 'env:X' } } }, 'a scope with no meaning on the server'],
    [{ scopes: { 'read-only': { user: '', credentialRef: 'env:X' } } }, 'an empty user'],
    [{ scopes: { 'read-only': { user: 'x'.repeat(64), credentialRef: 'env:X' } } }, 'a user name longer than PostgreSQL allows'],
  ] as Array<[object, string]>)('refuses %j (%s)', (extra) => {
    expect(SETTINGS_BY_TYPE.postgres.safeParse({ ...base, ...extra }).success).toBe(false);
  });
});
