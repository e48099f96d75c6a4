import { describe, expect, it } from 'vitest';
import { compilePolicies, parsePolicyDocument, resolveGuardrails } from './index.js';

const identity = { id: 'i', subject: 'alice', kind: 'human' as const, groups: ['dev'], attributes: {} };
const bq = { name: 'warehouse', type: 'bigquery' as const, labels: { env: 'prod' } };
const approvals = { count: 1, groups: ['data-owners'] };

function resolve(guardrails: unknown[], scope: string | null = null) {
  const compiled = compilePolicies([{ name: 'p', document: parsePolicyDocument({ rules: [], guardrails }) }]);
  return resolveGuardrails(compiled, { identity, connection: bq, scope });
}

describe('HTTP guardrail validation', () => {
  it.each([
    [{ http: { rules: [{ methods: ['delete'], paths: ['/x'], action: 'block' }] } }, /http\.rules\[0\]\.methods\[0\].*upper-case HTTP method/],
    [{ http: { rules: [{ paths: ['x/**'], action: 'block' }] } }, /paths\[0\].*must start with "\/"/],
    [{ http: { rules: [{ paths: ['/a/**b'], action: 'block' }] } }, /"\*\*" must be a whole segment/],
    [{ http: { rules: [{ paths: ['/a/../b'], action: 'block' }] } }, /"\." and "\.\." segments/],
    [{ http: { rules: [{ paths: ['/a?x=1'], action: 'block' }] } }, /may not contain/],
    [{ http: { rules: [{ paths: [`/${'a'.repeat(600)}`], action: 'block' }] } }, /1-512 characters/],
    [{ http: { rules: [{ paths: [], action: 'block' }] } }, /paths/],
    [{ http: { rules: [{ paths: ['/a'], action: 'allow' }] } }, /action/],
    [{ http: { rules: [{ paths: ['/a'], action: 'approve' }] } }, /http\.approvals.*required/],
    [{ bigquery: { requireApproval: ['merge'] } }, /http\.approvals.*required/],
    [{ mcp: { tools: [{ name: 'deploy', action: 'approve' }] } }, /http\.approvals.*required/],
    [{ http: { approvals } }, /http\.approvals.*only with/],
    [{ http: { readOnly: true, approvalTimeout: '5m' } }, /approvalTimeout.*only with/],
    [{ bigquery: { block: ['drop_table'] } }, /bigquery\.block\[0\].*BigQuery class/],
    [{ bigquery: { datasets: { read: ['finance'] } } }, /"dataset\.table" or "project\.dataset\.table"/],
    [{ bigquery: { datasets: { read: ['a.b.c.d'] } } }, /"dataset\.table"/],
    [{ bigquery: { datasets: {} } }, /datasets needs read or write/],
    [{ bigquery: { unparseable: 'allow' } }, /unparseable/],
    [{ mcp: { tools: [{ name: 'x', action: 'maybe' }] } }, /mcp\.tools\[0\]\.action/],
    [{ mcp: { nope: true } }, /mcp\.nope.*unknown key/],
    [{ masking: { jsonPaths: ['$.a[x'] } }, /masking\.jsonPaths/],
    [{ http: { readOnly: true, extra: 1 } }, /http\.extra.*unknown key/],
  ])('refuses %j', (part, message) => {
    expect(() => parsePolicyDocument({ rules: [], guardrails: [{ name: 'g', ...part }] })).toThrow(message);
  });

  it('accepts a full HTTP guardrail', () => {
    const doc = parsePolicyDocument({
      rules: [],
      guardrails: [
        {
          name: 'g',
          http: {
            readOnly: false,
            rules: [
              { methods: ['DELETE'], paths: ['/storage/v1/b/*/o/**'], action: 'block' },
              { paths: ['/admin/**'], action: 'approve' },
            ],
            approvals,
            approvalTimeout: '5m',
          },
          bigquery: { block: ['drop'], requireApproval: ['update'], datasets: { read: ['finance.*', 'bigquery-public-data.*.*'], write: ['scratch.*'] }, unparseable: 'flag' },
          mcp: { tools: [{ name: 'deploy_*', action: 'approve' }], default: 'allow' },
          masking: { jsonPaths: ['$.items[*].email'] },
        },
      ],
    });
    expect(doc.guardrails?.[0]?.http?.rules).toHaveLength(2);
  });
});

describe('resolveGuardrails: the http part', () => {
  it('combines towards the stricter', () => {
    const resolved = resolve([
      {
        name: 'broad',
        http: { rules: [{ paths: ['/admin/**'], action: 'approve' }], approvals: { count: 1, groups: ['ops'] }, approvalTimeout: '10m' },
        bigquery: { block: ['drop'], datasets: { read: ['finance.*'] }, unparseable: 'flag' },
        mcp: { default: 'allow' },
      },
      {
        name: 'narrow',
        match: { identity: { subjects: ['alice'] }, connection: { types: ['bigquery'] } },
        http: { readOnly: true, rules: [{ methods: ['DELETE'], paths: ['/**'], action: 'block' }], approvals, approvalTimeout: '2m' },
        bigquery: { block: ['truncate'], requireApproval: ['merge'], datasets: { write: ['scratch.*'] } },
        mcp: { default: 'deny' },
        masking: { jsonPaths: ['$.a'] },
      },
      { name: 'elsewhere', match: { connection: { names: ['other'] } }, http: { readOnly: true } },
    ]);
    const narrow = { policy: 'p', rule: 'narrow' };
    const broad = { policy: 'p', rule: 'broad' };
    expect(resolved.http).toEqual({
      readOnly: true,
      rules: [
        { methods: ['DELETE'], paths: ['/**'], action: 'block', rule: narrow },
        { methods: null, paths: ['/admin/**'], action: 'approve', rule: broad },
      ],
      bigquery: {
        block: ['truncate', 'drop'],
        requireApproval: ['merge'],
        datasets: [
          { read: null, write: ['scratch.*'], rule: narrow },
          { read: ['finance.*'], write: null, rule: broad },
        ],
        unparseable: 'flag',
      },
      mcp: [
        { policy: { default: 'deny' }, rule: narrow },
        { policy: { default: 'allow' }, rule: broad },
      ],
      approvals: { ...approvals, rule: narrow },
      approvalTimeoutSeconds: 120,
    });
    expect(resolved.masking.jsonPaths).toEqual(['$.a']);
  });

  it('refuses unparseable BigQuery SQL unless every guardrail that speaks of it says flag', () => {
    expect(
      resolve([
        { name: 'a', bigquery: { unparseable: 'flag' } },
        { name: 'b', bigquery: { unparseable: 'refuse' } },
      ]).http.bigquery.unparseable,
    ).toBe('refuse');
    expect(resolve([{ name: 'a', bigquery: { block: ['drop'] } }]).http.bigquery.unparseable).toBe('refuse');
  });

  it('makes a read-only grant read-only over HTTP too', () => {
    expect(resolve([], 'read-only').http.readOnly).toBe(true);
    expect(resolve([], null).http).toMatchObject({ readOnly: false, rules: [], mcp: [], approvals: null, approvalTimeoutSeconds: null });
  });

  it('is read-only for policies it did not compile', () => {
    const forged = Object.freeze({ policies: [], ruleCount: 0 }) as unknown as ReturnType<typeof compilePolicies>;
    expect(resolveGuardrails(forged, { identity, connection: bq, scope: null }).http.readOnly).toBe(true);
  });
});
