// The REST answers as the gateway writes them (the examples are its presenters' output, as
// JSON) must parse as a client reads them; a shape the gateway no longer writes must not.
import { describe, expect, it } from 'vitest';
import { accessRequestDecisionSchema, accessRequestSchema, createAccessRequestBody } from './api-access-requests.js';
import { connectionListSchema } from './api-connections.js';
import { apiErrorBodySchema, isErrorCode, type ApiErrorBody } from './api-errors.js';
import { grantCheckSchema, grantListSchema } from './api-grants.js';
import { identitySchema } from './api-identities.js';

const NOW = '2026-11-22T14:05:00.000Z';
const LATER = '2026-11-22T14:35:00.000Z';
const ID = '0b0e7b1e-0000-4000-8000-000000000001';

const identity = {
  id: ID,
  issuer: 'jitgate',
  subject: 'report-agent',
  kind: 'service',
  displayName: null,
  groups: ['analysts'],
  attributes: { model: 'claude' },
  disabled: false,
  createdAt: NOW,
  updatedAt: NOW,
};
const grant = {
  id: ID,
  requestId: ID,
  identityId: ID,
  identity: 'report-agent',
  connectionId: ID,
  connection: 'pg-prod',
  connectionType: 'postgres',
  scope: 'read-only',
  status: 'active',
  inForce: true,
  startsAt: NOW,
  expiresAt: LATER,
  endedAt: null,
  endedById: null,
  endReason: null,
  createdAt: NOW,
};
const accessRequest = {
  id: ID,
  kind: 'access',
  status: 'approved',
  requester: { id: ID, subject: 'report-agent' },
  connection: { id: ID, name: 'pg-prod', type: 'postgres' },
  durationSeconds: 1800,
  reason: 'monthly report',
  scope: 'read-only',
  sessionId: null,
  statement: null,
  parameters: null,
  startAt: null,
  decision: { effect: 'auto-approve', rule: { policy: 'dev', rule: 'analysts-read' }, maxDurationSeconds: 3600 },
  requiredApprovals: 0,
  approverGroups: [],
  approvals: [{ approverId: ID, approver: 'bob', decision: 'approve', comment: '', at: NOW }],
  expiresAt: null,
  decidedAt: NOW,
  createdAt: NOW,
  grant: { id: ID, status: 'active', startsAt: NOW, expiresAt: LATER },
};

describe('answers the CLI reads', () => {
  it('GET /v1/identities/me', () => {
    expect(identitySchema.parse(identity)).toEqual({ id: ID, issuer: 'jitgate', subject: 'report-agent', kind: 'service', displayName: null, groups: ['analysts'], disabled: false });
  });

  it('GET /v1/grants?active=true', () => {
    expect(grantListSchema.parse({ items: [grant] }).items[0]).toMatchObject({ connection: 'pg-prod', inForce: true, expiresAt: LATER });
  });

  it('GET /v1/grants/check', () => {
    expect(grantCheckSchema.parse({ allowed: true, grantId: ID, scope: null, expiresAt: LATER })).toEqual({ allowed: true, grantId: ID, scope: null, expiresAt: LATER });
    expect(grantCheckSchema.parse({ allowed: false, grantId: null, scope: null, expiresAt: null }).allowed).toBe(false);
  });

  it('GET /v1/connections?name=', () => {
    expect(connectionListSchema.parse({ items: [{ id: ID, name: 'pg-prod', type: 'postgres', settings: { host: 'db' } }] })).toEqual({ items: [{ name: 'pg-prod', type: 'postgres' }] });
  });

  it('POST /v1/access-requests and GET /v1/access-requests/:id', () => {
    const read = accessRequestSchema.parse(accessRequest);
    expect(read).toMatchObject({ status: 'approved', connection: { name: 'pg-prod', type: 'postgres' }, grant: { expiresAt: LATER } });
    expect(accessRequestDecisionSchema.parse(read.decision)).toEqual({ rule: { policy: 'dev', rule: 'analysts-read' } });
  });

  it.each([
    ['a grant without inForce', grantListSchema, { items: [{ ...grant, inForce: undefined }] }],
    ['a request in a state the CLI cannot act on', accessRequestSchema, { ...accessRequest, status: 'archived' }],
    ['an identity without groups', identitySchema, { ...identity, groups: undefined }],
  ] as const)('refuses %s', (_what, schema, answer) => {
    expect(schema.safeParse(answer).success).toBe(false);
  });
});

describe('the body of POST /v1/access-requests', () => {
  it('takes what `jitgate request` sends', () => {
    expect(createAccessRequestBody.parse({ connection: 'pg-prod', duration: '30m', reason: '  monthly report ', scope: 'read-only' })).toEqual({
      connection: 'pg-prod',
      duration: '30m',
      reason: 'monthly report',
      scope: 'read-only',
    });
  });

  it.each([
    [{ connection: 'pg-prod', duration: '30m', reason: ' ' }, 'no reason'],
    [{ connection: 'PG', duration: '30m', reason: 'x' }, 'not a connection name'],
    [{ connection: 'pg-prod', duration: '30m', reason: 'x', admin: true }, 'an unknown field'],
    [{ connection: 'pg-prod', duration: '30m', reason: 'x\u001b[2J' }, 'control characters'],
  ] as Array<[object, string]>)('refuses %j (%s)', (body) => {
    expect(createAccessRequestBody.safeParse(body).success).toBe(false);
  });
});

describe('the error body', () => {
  it('is read as the gateway writes it, and the code is one of ERROR_CODES', () => {
    const written: ApiErrorBody = { error: { code: 'forbidden', message: 'only admins may do that', requestId: ID } };
    const read = apiErrorBodySchema.parse(written);
    expect(read).toEqual(written);
    expect(isErrorCode(read.error.code)).toBe(true);
  });

  it('reads a code a newer gateway may add as text, and knows it is not one of its own', () => {
    const read = apiErrorBodySchema.parse({ error: { code: 'quota_exceeded', message: 'later', requestId: ID } });
    expect(isErrorCode(read.error.code)).toBe(false);
    expect(apiErrorBodySchema.safeParse({ message: 'not found' }).success).toBe(false);
  });
});
