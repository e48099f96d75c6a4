import { describe, expect, it } from 'vitest';
import { GCP_ACCOUNT_PARAMETER, GCP_SCOPES_PARAMETER } from '@jitgate/contracts';
import { httpTargetFor, withPolicyIdentity, GOOGLE_API_ENDPOINTS } from './http-target.js';
import { TargetDialError } from './target-dialer.js';

const READER = 'bq-reader@acme-data.iam.gserviceaccount.com';
const NARROW = 'bq-ai-narrow@acme-data.iam.gserviceaccount.com';
const BIGQUERY = 'https://www.googleapis.com/auth/bigquery';
const READONLY = 'https://www.googleapis.com/auth/bigquery.readonly';

const bigquery = (scopes?: string[]) =>
  httpTargetFor('bigquery', JSON.stringify({ projectId: 'acme-data', targetServiceAccount: READER, ...(scopes ? { scopes } : {}) }), `gcp-sa:${READER}`, GOOGLE_API_ENDPOINTS).bearer;

describe("withPolicyIdentity: the policy's Google identity for a session", () => {
  it('changes nothing without the parameters', () => {
    const plan = bigquery();
    expect(withPolicyIdentity(plan, {})).toBe(plan);
  });

  it('mints for the account the policy names', () => {
    expect(withPolicyIdentity(bigquery(), { [GCP_ACCOUNT_PARAMETER]: NARROW })).toEqual({ kind: 'gcp', ref: `gcp-sa:${NARROW}`, wanted: { kind: 'access', scopes: [BIGQUERY], targetServiceAccount: NARROW } });
  });

  it('narrows scopes, and refuses to widen them', () => {
    const plan = bigquery([BIGQUERY, READONLY]);
    expect(withPolicyIdentity(plan, { [GCP_SCOPES_PARAMETER]: READONLY })).toMatchObject({ wanted: { scopes: [READONLY] } });
    expect(() => withPolicyIdentity(bigquery(), { [GCP_SCOPES_PARAMETER]: 'https://www.googleapis.com/auth/cloud-platform' })).toThrow(/only narrow/);
    expect(() => withPolicyIdentity(bigquery(), { [GCP_SCOPES_PARAMETER]: ' ' })).toThrow(TargetDialError);
  });

  it('refuses an identity for a connection without a Google credential, and a malformed account', () => {
    const web = httpTargetFor('http', JSON.stringify({ baseUrl: 'https://api.example' }), '', GOOGLE_API_ENDPOINTS).bearer;
    expect(() => withPolicyIdentity(web, { [GCP_ACCOUNT_PARAMETER]: NARROW })).toThrow(/takes no Google credential/);
    expect(() => withPolicyIdentity(bigquery(), { [GCP_ACCOUNT_PARAMETER]: 'root@example.com' })).toThrow(/malformed/);
  });
});
