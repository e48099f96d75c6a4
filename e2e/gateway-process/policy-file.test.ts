// Policies from a YAML file (JITGATE_POLICY_FILE,
// apps/gateway/src/control-plane/policy/policy-file.loader.ts): loaded at start by the real process, read-only through the API, deciding requests, replaced on the next
// start when the file changes, and refusing to start on a bad file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createConnection, createIdentity, createMigratedDatabase, deleteRedisKeys, type TestIdentity } from '@jitgate/testkit';
import { GatewayProcess } from '../support/gateway-process.js';
import { baseEnv, expectAuditChainIntact, newBootstrapToken, newRedisPrefix, queryDatabase } from '../support/e2e-support.js';

const FIRST_FILE = `# jitgate policies (e2e)
policies:
  - name: prod-databases
    description: Production needs a DBA
    rules:
      - name: prod-needs-dba
        effect: require-approval
        match:
          connection: { labels: { env: prod } }
        approvals: { count: 1, groups: [dba] }
        maxDuration: 4h
  - name: dev-databases
    rules:
      - name: dev-auto
        effect: auto-approve
        match:
          identity: { groups: [dev] }
          connection: { labels: { env: dev } }
        maxDuration: 1h
`;

// dev-auto now allows 2h; prod-databases is gone.
const SECOND_FILE = `policies:
  - name: dev-databases
    description: Developers on dev databases
    rules:
      - name: dev-auto
        effect: auto-approve
        match:
          identity: { groups: [dev] }
          connection: { labels: { env: dev } }
        maxDuration: 2h
`;

// Line 6: an effect that does not exist.
const INVALID_FILE = `policies:
  - name: dev-databases
    rules:
      - name: dev-auto
        effect: auto-approve
        effect2: maybe
        match:
          identity: { groups: [dev] }
`;

interface PresentedPolicy {
  id: string;
  name: string;
  description: string;
  source: string;
  version: number;
  rules: Array<{ name: string; maxDuration?: string }>;
}

describe('policies from JITGATE_POLICY_FILE', () => {
  const adminToken = newBootstrapToken();
  const redisPrefix = newRedisPrefix('policyfile');
  let directory: string;
  let policyFile: string;
  let database: { url: string; drop(): Promise<void> };
  let gateway: GatewayProcess;
  let alice: TestIdentity;
  let bob: TestIdentity;

  const admin = () => new ApiClient(gateway.baseUrl, adminToken);
  const as = (who: TestIdentity) => new ApiClient(gateway.baseUrl, who.token);

  async function policies(): Promise<PresentedPolicy[]> {
    const listed = await admin().get('/v1/policies');
    expect(listed.status).toBe(200);
    return listed.body.items;
  }

  async function request(who: TestIdentity, connection: string, duration: string) {
    const created = await as(who).post('/v1/access-requests', { connection, duration, reason: 'e2e policy file' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  const auditHead = async () => (await queryDatabase<{ n: string; head: string | null }>(database.url, 'SELECT count(*) AS n, max(seq)::text AS head FROM audit_events'))[0];

  const fileLoads = async () => (await admin().get('/v1/audit?action=policy.loaded_from_file')).body.items as Array<{ details: Record<string, unknown> }>;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'jitgate-policy-file-'));
    policyFile = path.join(directory, 'policies.yaml');
    await writeFile(policyFile, FIRST_FILE);
    database = await createMigratedDatabase('jitgate_e2e_policyfile');
    gateway = new GatewayProcess({
      env: { ...baseEnv(database.url, redisPrefix), JITGATE_BOOTSTRAP_TOKEN: adminToken, JITGATE_POLICY_FILE: policyFile, LOG_LEVEL: 'warn' },
    });
    await gateway.start();
    alice = await createIdentity(admin(), { subject: 'alice', groups: ['dev'] });
    bob = await createIdentity(admin(), { subject: 'bob', groups: ['dba'] });
    await createConnection(admin(), 'prod-db', { labels: { env: 'prod' } });
    await createConnection(admin(), 'dev-db', { labels: { env: 'dev' } });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await deleteRedisKeys(redisPrefix);
    await database?.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('loads the policies of the file at start, marked source "file"', async () => {
    const loaded = await policies();
    expect(loaded.map((p) => [p.name, p.source, p.version])).toEqual([
      ['dev-databases', 'file', 1],
      ['prod-databases', 'file', 1],
    ]);
    expect(loaded.find((p) => p.name === 'prod-databases')).toMatchObject({
      description: 'Production needs a DBA',
      rules: [{ name: 'prod-needs-dba', effect: 'require-approval', approvals: { count: 1, groups: ['dba'] }, maxDuration: '4h' }],
    });
    const loads = await fileLoads();
    expect(loads).toHaveLength(1);
    expect(loads[0]?.details).toEqual({ file: policyFile, policies: ['prod-databases', 'dev-databases'], changed: ['prod-databases', 'dev-databases'], removed: [] });
  });

  it('refuses to edit or delete a file policy through the API (409)', async () => {
    for (const policy of await policies()) {
      const replaced = await admin().put(`/v1/policies/${policy.id}`, { rules: [{ name: 'anything', effect: 'deny' }] });
      expect(replaced.status).toBe(409);
      expect(replaced.body.error).toMatchObject({ code: 'conflict', details: { source: 'file' } });
      expect(replaced.body.error.message).toContain('policy file');
      const deleted = await admin().delete(`/v1/policies/${policy.id}`);
      expect(deleted.status).toBe(409);
    }
    expect((await policies()).map((p) => [p.name, p.version])).toEqual([
      ['dev-databases', 1],
      ['prod-databases', 1],
    ]);
  });

  it('decides requests with the rules of the file', async () => {
    const auto = await request(alice, 'dev-db', '30m');
    expect(auto.status).toBe('approved');
    expect(auto.decision).toMatchObject({ effect: 'auto-approve', rule: { policy: 'dev-databases', rule: 'dev-auto' } });

    const tooLong = await request(alice, 'dev-db', '90m');
    expect(tooLong.status).toBe('denied');
    expect(tooLong.decision.code).toBe('no_matching_rule');

    const prod = await request(alice, 'prod-db', '1h');
    expect(prod).toMatchObject({ status: 'pending', requiredApprovals: 1, approverGroups: ['dba'] });
    expect(prod.decision).toMatchObject({ effect: 'require-approval', rule: { policy: 'prod-databases', rule: 'prod-needs-dba' } });
    const approved = await as(bob).post(`/v1/access-requests/${prod.id}/approve`, { comment: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
  });

  it('applies an edited file at the next start: versions bump, removed policies go', async () => {
    const before = await policies();
    await writeFile(policyFile, SECOND_FILE);
    await gateway.restart();

    const after = await policies();
    expect(after.map((p) => [p.name, p.source, p.version])).toEqual([['dev-databases', 'file', 2]]);
    expect(after[0]?.id).toBe(before.find((p) => p.name === 'dev-databases')?.id);
    expect(after[0]).toMatchObject({ description: 'Developers on dev databases', rules: [{ name: 'dev-auto', maxDuration: '2h' }] });

    const loads = await fileLoads();
    expect(loads).toHaveLength(2);
    expect(loads[1]?.details).toEqual({ file: policyFile, policies: ['dev-databases'], changed: ['dev-databases'], removed: ['prod-databases'] });
    const removedId = before.find((p) => p.name === 'prod-databases')?.id;
    const deletions = (await admin().get(`/v1/audit?action=policy.deleted&target=${removedId}`)).body.items;
    expect(deletions).toHaveLength(1);
    expect(deletions[0]).toMatchObject({ actorKind: 'system', details: { name: 'prod-databases', source: 'file' } });
    const updates = (await admin().get(`/v1/audit?action=policy.updated&target=${after[0]?.id}`)).body.items;
    expect(updates.map((e: { details: { version: number } }) => e.details.version)).toEqual([2]);

    // The new rules decide at once.
    expect((await request(alice, 'dev-db', '90m')).status).toBe('approved');
    const prod = await request(alice, 'prod-db', '1h');
    expect(prod.status).toBe('denied');
    expect(prod.decision.code).toBe('no_matching_rule');
    await expectAuditChainIntact(admin());
  });

  it.each<[string, () => Promise<void>, RegExp]>([
    ['an invalid rule', () => writeFile(policyFile, INVALID_FILE), /policies\[0\]\.rules\[0\]\.effect2.*unknown key|unknown key.*effect2/],
    ['invalid YAML', () => writeFile(policyFile, 'policies:\n  - name: [unclosed\n'), /invalid YAML/],
    ['a missing file', () => rm(policyFile), /cannot read the policy file .*ENOENT/],
  ])('refuses to start with %s, naming the file and the problem, and changes nothing', async (_case, breakFile, problem) => {
    await gateway.stop();
    const head = await auditHead();
    const rows = await queryDatabase<{ name: string; version: number }>(database.url, 'SELECT name, version FROM policies ORDER BY name');

    await breakFile();
    const run = await gateway.spawn();
    const exit = await gateway.waitForExit(15_000);
    expect(exit.code, run.stderr).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(run.stderr).toContain(policyFile);
    expect(run.stderr).toMatch(problem);

    expect(await auditHead()).toEqual(head);
    expect(await queryDatabase(database.url, 'SELECT name, version FROM policies ORDER BY name')).toEqual(rows);

    await writeFile(policyFile, SECOND_FILE);
    await gateway.start();
  });

  it('records nothing when it starts again with an unchanged file', async () => {
    const versions = (await policies()).map((p) => [p.name, p.version]);
    const head = await auditHead();
    await gateway.restart();
    expect((await policies()).map((p) => [p.name, p.version])).toEqual(versions);
    expect(await auditHead()).toEqual(head);
    expect(await fileLoads()).toHaveLength(2);
  });

  it('refuses to take over a policy of the same name created through the API', async () => {
    const created = await admin().post('/v1/policies', {
      name: 'break-glass',
      rules: [{ name: 'oncall', effect: 'require-approval', match: { connection: { labels: { env: 'prod' } } }, approvals: { count: 1, groups: ['dba'] } }],
    });
    expect(created.status).toBe(201);
    await gateway.stop();
    const head = await auditHead();
    await writeFile(policyFile, `${SECOND_FILE}  - name: break-glass\n    rules:\n      - name: everyone\n        effect: auto-approve\n`);
    const run = await gateway.spawn();
    expect((await gateway.waitForExit(15_000)).code).not.toBe(0);
    expect(run.stderr).toMatch(/policy "break-glass" exists and was created through the API/);
    expect(await auditHead()).toEqual(head);
    const kept = await queryDatabase<{ source: string; version: number }>(database.url, "SELECT source, version FROM policies WHERE name = 'break-glass'");
    expect(kept).toEqual([{ source: 'api', version: 1 }]);
  });
});
