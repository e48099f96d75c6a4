import { BASELINE_BLOCKED_CLASSES } from '@jitgate/sql-guard';
import { describe, expect, it } from 'vitest';
import { compilePolicies, parsePolicyDocument, resolveGuardrails } from './index.js';

const identity = { id: 'i', subject: 'alice', kind: 'human' as const, groups: ['dev'], attributes: {} };
const shop = { name: 'shop', type: 'postgres' as const, labels: { env: 'prod' } };

function compile(guardrails: unknown[]) {
  return compilePolicies([{ name: 'p', document: parsePolicyDocument({ rules: [], guardrails }) }]);
}

describe('guardrail validation', () => {
  it.each([
    [[{ name: 'g', sql: { block: ['drop_everything'] } }], /guardrails\[0\]\.sql\.block\[0\]/],
    [[{ name: 'g', sql: { requireApproval: ['delete'] } }], /approvals.*required/],
    [[{ name: 'g', sql: { approvals: { count: 1, groups: ['dba'] } } }], /only with requireApproval/],
    [[{ name: 'g', masking: { detectors: ['iban'] } }], /masking\.detectors\[0\]/],
    [[{ name: 'g' }], /needs sql, masking, http, bigquery, mcp or gcp/],
    [
      [
        { name: 'g', sql: {} },
        { name: 'g', sql: {} },
      ],
      /duplicate guardrail name/,
    ],
    [[{ name: 'g', sql: { requireApproval: ['delete'], approvals: { count: 1, groups: ['db*'] } } }], /exact names/],
    [[{ name: 'g', sql: { allow: ['copy_nonsense'] } }], /guardrails\[0\]\.sql\.allow\[0\]: 'copy_nonsense' is not a statement class, nor one of the built-in baseline/],
    [[{ name: 'g', sql: { allow: ['create_function', 'ddl'] } }], /guardrails\[0\]\.sql\.allow\[1\]: 'ddl' is not a class of the built-in baseline: sql\.allow only relaxes the baseline/],
    [[{ name: 'g', sql: { allow: ['copy_file'], block: ['copy_file'] } }], /guardrails\[0\]\.sql\.allow\[0\]: 'copy_file' is both allowed and blocked by this guardrail/],
  ])('refuses %j', (guardrails, message) => {
    expect(() => parsePolicyDocument({ rules: [], guardrails })).toThrow(message);
  });
});

describe('resolveGuardrails', () => {
  it('adds blocks and masks up, and read-only wins', () => {
    const compiled = compile([
      { name: 'all', sql: { block: ['drop'] }, masking: { columns: ['*email*'] } },
      { name: 'prod', match: { connection: { labels: { env: 'prod' } } }, sql: { block: ['truncate'], readOnly: true }, masking: { detectors: ['jwt'] } },
      { name: 'elsewhere', match: { connection: { names: ['other'] } }, sql: { block: ['grant'] } },
    ]);
    const resolved = resolveGuardrails(compiled, { identity, connection: shop, scope: null });
    expect(resolved.applied.map((r) => r.rule)).toEqual(['prod', 'all']);
    expect(new Set(resolved.sql.block)).toEqual(new Set(['drop', 'truncate', ...BASELINE_BLOCKED_CLASSES]));
    expect(resolved.sql.readOnly).toBe(true);
    expect(resolved.masking).toEqual({ columns: ['*email*'], detectors: ['jwt'], jsonPaths: [] });
  });

  it('refuses unparseable SQL unless every guardrail that speaks of it says flag', () => {
    const flagOnly = compile([{ name: 'a', sql: { unparseable: 'flag' } }]);
    expect(resolveGuardrails(flagOnly, { identity, connection: shop, scope: null }).sql.unparseable).toBe('flag');
    const mixed = compile([
      { name: 'a', sql: { unparseable: 'flag' } },
      { name: 'b', sql: { unparseable: 'refuse' } },
    ]);
    expect(resolveGuardrails(mixed, { identity, connection: shop, scope: null }).sql.unparseable).toBe('refuse');
    expect(resolveGuardrails(compile([]), { identity, connection: shop, scope: null }).sql.unparseable).toBe('refuse');
  });

  it('takes approvers from the most specific guardrail that holds statements, and the shortest timeout', () => {
    const compiled = compile([
      { name: 'broad', sql: { requireApproval: ['ddl'], approvals: { count: 1, groups: ['ops'] }, approvalTimeout: '10m' } },
      { name: 'narrow', match: { identity: { subjects: ['alice'] }, connection: { names: ['shop'] } }, sql: { requireApproval: ['delete'], approvals: { count: 2, groups: ['dba'] }, approvalTimeout: '2m' } },
    ]);
    const { sql } = resolveGuardrails(compiled, { identity, connection: shop, scope: null });
    expect(sql.approvals).toEqual({ count: 2, groups: ['dba'], rule: { policy: 'p', rule: 'narrow' } });
    expect(new Set(sql.requireApproval)).toEqual(new Set(['ddl', 'delete']));
    expect(sql.approvalTimeoutSeconds).toBe(120);
  });

  it('is strictest for policies it did not compile', () => {
    const forged = Object.freeze({ policies: [], ruleCount: 0 }) as unknown as ReturnType<typeof compile>;
    const { sql } = resolveGuardrails(forged, { identity, connection: shop, scope: null });
    expect(sql.readOnly).toBe(true);
    expect(new Set(sql.block)).toEqual(new Set(BASELINE_BLOCKED_CLASSES));
    expect(sql.allow).toEqual([]);
  });
});

describe('resolveGuardrails: the built-in baseline', () => {
  const session = { identity, connection: shop, scope: null };

  it('blocks the whole baseline in a session no guardrail speaks of', () => {
    const { sql } = resolveGuardrails(compile([]), session);
    expect(new Set(sql.block)).toEqual(new Set(BASELINE_BLOCKED_CLASSES));
    expect(sql.allow).toEqual([]);
    const masksOnly = resolveGuardrails(compile([{ name: 'm', masking: { columns: ['*email*'] } }]), session);
    expect(new Set(masksOnly.sql.block)).toEqual(new Set(BASELINE_BLOCKED_CLASSES));
  });

  it('leaves out what an applying guardrail allows', () => {
    const compiled = compile([
      { name: 'migrations', match: { identity: { subjects: ['alice'] } }, sql: { allow: ['create_function', 'trigger'], requireApproval: ['create_function'], approvals: { count: 1, groups: ['dba'] } } },
      { name: 'extensions', sql: { allow: ['extension'] } },
      { name: 'elsewhere', match: { connection: { names: ['other'] } }, sql: { allow: ['copy_file'] } },
    ]);
    const { sql } = resolveGuardrails(compiled, session);
    expect(new Set(sql.allow)).toEqual(new Set(['create_function', 'trigger', 'extension']));
    expect(new Set(sql.block)).toEqual(new Set(BASELINE_BLOCKED_CLASSES.filter((c) => !['create_function', 'trigger', 'extension'].includes(c))));
    expect(sql.requireApproval).toEqual(['create_function']);
  });

  it('keeps a class that any applying guardrail blocks, even where another allows it', () => {
    const compiled = compile([
      { name: 'allows', sql: { allow: ['copy_file', 'large_object'] } },
      { name: 'blocks', match: { connection: { labels: { env: 'prod' } } }, sql: { block: ['copy_file'] } },
    ]);
    const { sql } = resolveGuardrails(compiled, session);
    expect(sql.block).toContain('copy_file');
    expect(sql.block).not.toContain('large_object');
    expect(new Set(sql.allow)).toEqual(new Set(['copy_file', 'large_object']));
  });

  it('gives the baseline to a read-only grant as to any other', () => {
    const compiled = compile([{ name: 'a', sql: { allow: ['set_config'] } }]);
    const { sql } = resolveGuardrails(compiled, { ...session, scope: 'read-only' });
    expect(sql.readOnly).toBe(true);
    expect(sql.block).not.toContain('set_config');
    expect(sql.block).toContain('copy_to_program');
  });
});
