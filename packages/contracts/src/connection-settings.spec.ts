// Connection settings by type: what the gateway stores (strict) and what the agent reads (the
// same rules, unknown fields ignored). The examples are the ones docs/http.md and docs/postgres.md use.
import { describe, expect, it } from 'vitest';
import { CONNECTION_SETTINGS, CONNECTION_SETTINGS_READERS, unbracketedHost } from './connection-settings.js';
import { CONNECTION_TYPES } from './connection-types.js';

const SA = 'reader-one@proj-12345.iam.gserviceaccount.com';
const HOP = 'hop-one@proj-12345.iam.gserviceaccount.com';

const accepted = [
  ['tcp', { host: 'echo.internal', port: 7 }],
  ['tcp', { host: '[fd00::1]', port: 7 }],
  ['postgres', { host: 'db.internal', database: 'orders', user: 'orders_rw', sslmode: 'require' }],
  ['postgres', { host: '10.0.0.5', database: 'orders', scopes: { 'read-only': { user: 'orders_ro', credentialRef: 'env:ORDERS_RO_PASSWORD' } } }],
  ['postgres', { host: 'db.internal', database: 'orders', scopes: { 'read-only': { credentialRef: `gcp-sa:${SA}` } } }],
  ['http', { baseUrl: 'https://api.example.com/v1' }],
  ['bigquery', { projectId: 'proj-12345', targetServiceAccount: SA, delegates: [HOP] }],
  ['bigquery', { projectId: 'proj-12345', scopes: ['https://www.googleapis.com/auth/bigquery.readonly'] }],
  ['gcs', { scopes: ['https://www.googleapis.com/auth/devstorage.read_only'] }],
  ['gcs', { buckets: ['acme-data'], targetServiceAccount: SA, delegates: [HOP] }],
  ['cloudrun', { url: 'https://reports-abc123-ew.a.run.app', audience: 'reports', delegates: [HOP] }],
  ['mcp', { url: 'https://mcp.example.com/mcp' }],
] as const;

const refused = [
  ['tcp', { host: 'echo.internal' }, 'no port'],
  ['tcp', { host: 'fd00::1', port: 7 }, 'an IPv6 address without brackets'],
  ['tcp', { host: 'echo.internal', port: 70_000 }, 'a port out of range'],
  ['postgres', { host: 'db', database: 'orders', sslmode: 'prefer' }, 'an sslmode that can fall back to plaintext'],
  ['postgres', { host: 'db', database: 'orders', scopes: { 'read-only': { user: 'orders_ro', credentialRef: 'hunter2' } } }, 'a value where the reference goes'],
  ['postgres', { host: 'db', database: 'orders', scopes: { 'read-only': { user: 'orders_ro' } } }, 'no credential reference'],
  ['postgres', { host: 'db', database: 'orders', user: 'x'.repeat(64) }, 'a user name longer than PostgreSQL allows'],
  ['mcp', { url: 'https://mcp.example.com/mcp', audience: '' }, 'an empty audience'],
  ['gcs', { delegates: Array.from({ length: 10 }, () => HOP) }, 'more than 9 delegates'],
  ['bigquery', { projectId: 'proj-12345', delegates: ['not-an-account'] }, 'a delegate that is not a service account'],
  ['cloudrun', { url: 'https://u:p@svc.example' }, 'credentials in the URL'],
  ['mcp', { url: 'https://mcp.example.com/mcp?key=1' }, 'a query on the root'],
  ['http', { baseUrl: 'https://api.example.com/#x' }, 'a fragment on the root'],
  ['http', { baseUrl: 'ftp://files.example.com' }, 'not http(s)'],
  ['cloudrun', { url: 'not a url' }, 'not a URL at all (refused, not thrown)'],
  ['mcp', { url: 'https://' }, 'a scheme alone'],
  ['bigquery', { projectId: 'proj-12345', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }, 'cloud-platform on a data connection'],
  ['gcs', { scopes: ['https://www.googleapis.com/auth/bigquery'] }, "another API's scope"],
  ['gcs', { scopes: [] }, 'no scopes at all'],
] as const;

describe.each([
  ['the gateway (CONNECTION_SETTINGS)', CONNECTION_SETTINGS],
  ['the agent (CONNECTION_SETTINGS_READERS)', CONNECTION_SETTINGS_READERS],
])('%s', (_who, schemas) => {
  it('has a schema for every connection type', () => {
    expect(Object.keys(schemas).sort()).toEqual([...CONNECTION_TYPES].sort());
  });

  it.each(accepted)('accepts %s %j', (type, settings) => {
    expect(schemas[type].safeParse(settings).success).toBe(true);
  });

  it.each(refused)('refuses %s %j (%s)', (type, settings) => {
    expect(schemas[type].safeParse(settings).success).toBe(false);
  });

  it('fills the same defaults', () => {
    expect(schemas.postgres.parse({ host: 'db', database: 'orders' })).toEqual({ host: 'db', port: 5432, database: 'orders', sslmode: 'require' });
  });
});

describe('unknown fields', () => {
  it.each([
    ['http', { baseUrl: 'https://api.example.com', token: 'secret' }],
    ['http', { baseUrl: 'https://api.example.com', delegates: [HOP] }],
    ['mcp', { url: 'https://mcp.example.com/mcp', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    ['postgres', { host: 'db', database: 'orders', password: 'hunter2' }],
    ['postgres', { host: 'db', database: 'orders', scopes: { 'read-only': { user: 'ro', password: 'hunter2', credentialRef: 'env:X' } } }],
    ['postgres', { host: 'db', database: 'orders', scopes: { admin: { user: 'orders_admin', credentialRef: 'env:X' } } }],
  ] as const)('are refused where they are stored, ignored where they are read: %s %j', (type, settings) => {
    expect(CONNECTION_SETTINGS[type].safeParse(settings).success).toBe(false);
    const read = CONNECTION_SETTINGS_READERS[type].safeParse(settings);
    expect(read.success).toBe(true);
    expect(JSON.stringify(read.data)).not.toMatch(/hunter2|secret|admin|delegates|cloud-platform/);
  });
});

it('gives net.connect an IPv6 host without its brackets', () => {
  expect(unbracketedHost('[fd00::1]')).toBe('fd00::1');
  expect(unbracketedHost('db.internal')).toBe('db.internal');
});
