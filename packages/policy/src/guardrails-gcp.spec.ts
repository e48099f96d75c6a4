import { describe, expect, it } from 'vitest';
import { compilePolicies, resolveGuardrails } from './index.js';
import { parsePolicyDocument } from './document.js';

const READER = 'bq-reader@acme-data.iam.gserviceaccount.com';
const NARROW = 'bq-ai-narrow@acme-data.iam.gserviceaccount.com';

function resolve(guardrails: unknown[], identity: { kind: 'human' | 'service'; groups: string[]; attributes?: Record<string, unknown> }) {
  const compiled = compilePolicies([{ name: 'gcp', document: parsePolicyDocument({ rules: [], guardrails }) }]);
  return resolveGuardrails(compiled, {
    identity: { id: 'i', subject: 's', kind: identity.kind, groups: identity.groups, attributes: identity.attributes ?? {} },
    connection: { name: 'analytics', type: 'bigquery', labels: {} },
    scope: null,
  });
}

describe('gcp guardrails', () => {
  const guardrails = [
    { name: 'everyone', match: { connection: { names: ['analytics'] } }, gcp: { serviceAccount: READER } },
    {
      name: 'ai-models',
      match: { connection: { names: ['analytics'] }, identity: { kinds: ['service'], groups: ['ai'] } },
      gcp: { serviceAccount: NARROW, scopes: ['https://www.googleapis.com/auth/bigquery.readonly'] },
    },
  ];

  it('maps a group to a narrower account; the most specific guardrail wins', () => {
    expect(resolve(guardrails, { kind: 'service', groups: ['ai'] }).gcp).toEqual({
      serviceAccount: NARROW,
      scopes: ['https://www.googleapis.com/auth/bigquery.readonly'],
      rule: { policy: 'gcp', rule: 'ai-models' },
    });
    expect(resolve(guardrails, { kind: 'human', groups: ['dev'] }).gcp).toEqual({ serviceAccount: READER, scopes: null, rule: { policy: 'gcp', rule: 'everyone' } });
  });

  it('is null when no guardrail names one', () => {
    expect(resolve([{ name: 'm', masking: { detectors: ['email'] } }], { kind: 'human', groups: [] }).gcp).toBeNull();
  });

  it('refuses what is not an account or a scope URL', () => {
    expect(() => parsePolicyDocument({ rules: [], guardrails: [{ name: 'g', gcp: { serviceAccount: 'root@example.com' } }] })).toThrow(/service account/);
    expect(() => parsePolicyDocument({ rules: [], guardrails: [{ name: 'g', gcp: { scopes: ['cloud-platform'] } }] })).toThrow(/scope/);
    expect(() => parsePolicyDocument({ rules: [], guardrails: [{ name: 'g', gcp: {} }] })).toThrow(/serviceAccount, scopes/);
  });
});
