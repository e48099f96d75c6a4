// The YAML example in docs/policies.md must stay a valid policy file with the meaning the page
// gives it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASELINE_BLOCKED_CLASSES } from '@jitgate/sql-guard';
import { compilePolicies, evaluate, parsePolicyFile, resolveGuardrails } from './index.js';

const page = readFileSync(new URL('../../../docs/policies.md', import.meta.url), 'utf8');
const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? '';

describe('docs/policies.md example', () => {
  const compiled = compilePolicies(parsePolicyFile(yamlBlock));
  const base = {
    identity: { id: 'i', subject: 'x', kind: 'human' as const, groups: ['developers'], attributes: {} },
    connection: { name: 'orders', type: 'postgres' as const, labels: { env: 'prod' } },
    request: { durationSeconds: 1800, reason: 'r', scope: 'read-only', startAt: null },
    now: new Date('2026-11-23T10:00:00Z'),
    recentRequests: [],
  };

  it('parses', () => {
    expect(yamlBlock).toContain('policies:');
  });

  it('denies agents on prod', () => {
    const decision = evaluate(compiled, { ...base, identity: { ...base.identity, kind: 'service', groups: [] } });
    expect(decision).toMatchObject({ effect: 'deny', rule: { rule: 'agents-never-on-prod' } });
  });

  it('sends prod to two DBAs and auto-approves dev', () => {
    expect(evaluate(compiled, base)).toMatchObject({ effect: 'require-approval', approvals: { count: 2, groups: ['dba'] } });
    const dev = evaluate(compiled, { ...base, connection: { ...base.connection, labels: { env: 'dev' } } });
    expect(dev).toMatchObject({ effect: 'auto-approve', rule: { rule: 'dev-self-service' } });
  });

  it('lets read-only agents in during office hours only', () => {
    const agent = {
      ...base,
      identity: { ...base.identity, kind: 'service' as const, groups: [], attributes: { model: 'claude-sonnet' } },
      connection: { ...base.connection, labels: { env: 'dev' } },
      request: { ...base.request, durationSeconds: 600 },
    };
    expect(evaluate(compiled, agent)).toMatchObject({ effect: 'auto-approve', rule: { rule: 'read-only-agents-in-office-hours' } });
    expect(evaluate(compiled, { ...agent, now: new Date('2026-11-23T22:00:00Z') }).effect).toBe('deny');
  });
});

describe('docs/policies.md guardrails', () => {
  const compiled = compilePolicies(parsePolicyFile(yamlBlock));
  const identity = { id: 'i', subject: 'x', kind: 'human' as const, groups: ['developers'], attributes: {} };
  const prod = { name: 'orders', type: 'postgres' as const, labels: { env: 'prod' } };

  it('blocks and holds on prod postgres, masks, and names the DBAs', () => {
    const resolved = resolveGuardrails(compiled, { identity, connection: prod, scope: null });
    expect(resolved.applied).toEqual([{ policy: 'databases', rule: 'prod-sql' }]);
    expect(resolved.sql).toMatchObject({ readOnly: false, requireApproval: ['delete', 'ddl'], approvals: { count: 1, groups: ['dba'] }, approvalTimeoutSeconds: 300, unparseable: 'refuse' });
    expect(resolved.sql.block).toContain('drop');
    expect(resolved.masking.detectors).toContain('payment_card');
  });

  it('blocks the baseline on top of the explicit list, and lets DBAs relax it for a migration grant', () => {
    const developer = resolveGuardrails(compiled, { identity, connection: prod, scope: null });
    expect(new Set(developer.sql.block)).toEqual(new Set(['drop', 'truncate', 'delete_without_where', 'update_without_where', ...BASELINE_BLOCKED_CLASSES]));
    expect(developer.sql.allow).toEqual([]);
    const dba = resolveGuardrails(compiled, { identity: { ...identity, groups: ['dba'] }, connection: prod, scope: 'migration' });
    expect(dba.applied.map((r) => r.rule)).toEqual(['dba-migrations', 'prod-sql']);
    expect(dba.sql.allow).toEqual(['create_function', 'trigger', 'extension']);
    expect(dba.sql.block).not.toContain('create_function');
    expect(dba.sql.block).toContain('copy_to_program');
    expect(dba.sql.requireApproval).toEqual(expect.arrayContaining(['create_function', 'trigger', 'extension', 'delete', 'ddl']));
  });

  it('makes service identities read-only everywhere, and a read-only grant read-only', () => {
    const agent = resolveGuardrails(compiled, { identity: { ...identity, kind: 'service' }, connection: { ...prod, labels: { env: 'dev' } }, scope: null });
    expect(agent.sql.readOnly).toBe(true);
    const reader = resolveGuardrails(compiled, { identity, connection: { ...prod, labels: { env: 'dev' } }, scope: 'read-only' });
    expect(reader).toMatchObject({ applied: [], sql: { readOnly: true, allow: [] } });
    expect(new Set(reader.sql.block)).toEqual(new Set(BASELINE_BLOCKED_CLASSES));
  });
});

describe('docs/policies.md HTTP guardrails example', () => {
  const section = page.slice(page.indexOf('## HTTP guardrails'));
  const httpYaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const compiled = compilePolicies(parsePolicyFile(httpYaml));
  const human = { id: 'i', subject: 'x', kind: 'human' as const, groups: ['analysts'], attributes: {} };
  const warehouse = { name: 'warehouse', type: 'bigquery' as const, labels: { env: 'prod' } };

  it('parses', () => {
    expect(httpYaml).toContain('bigquery:');
  });

  it('blocks, holds and lists datasets on prod BigQuery, and names the data owners', () => {
    const { http, masking } = resolveGuardrails(compiled, { identity: human, connection: warehouse, scope: null });
    const rule = { policy: 'warehouse', rule: 'bigquery-prod' };
    expect(http).toMatchObject({
      readOnly: false,
      bigquery: {
        block: ['drop', 'truncate', 'grant', 'revoke'],
        requireApproval: ['update', 'delete', 'merge'],
        datasets: [{ read: ['finance.*', 'bigquery-public-data.*.*'], write: ['scratch.*'], rule }],
        unparseable: 'refuse',
      },
      approvals: { count: 1, groups: ['data-owners'], rule },
      approvalTimeoutSeconds: 300,
    });
    expect(http.rules.map((r) => [r.methods, r.action])).toEqual([
      [['DELETE'], 'block'],
      [null, 'approve'],
    ]);
    expect(masking.jsonPaths).toEqual(['$.items[*].metadata.owner']);
  });

  it('keeps the MCP policy of MCP connections, and makes service identities read-only', () => {
    const mcp = resolveGuardrails(compiled, { identity: human, connection: { name: 'tools', type: 'mcp', labels: {} }, scope: null });
    expect(mcp.http.mcp).toHaveLength(1);
    expect(mcp.http.approvals?.groups).toEqual(['platform']);
    const agent = resolveGuardrails(compiled, { identity: { ...human, kind: 'service' }, connection: { ...warehouse, labels: { env: 'dev' } }, scope: null });
    expect(agent.http).toMatchObject({ readOnly: true, rules: [], mcp: [] });
  });
});
