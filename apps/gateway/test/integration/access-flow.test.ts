// The whole path through HTTP, on real Postgres and Redis: request → approval → grant → expiry
// → audit, and the rules around it (who may approve, N-of-M, TTL, startAt, cancel, release,
// revoke, rate limits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { createConnection, createIdentity, createPolicy, eventually, sleep, type TestIdentity } from '@jitgate/testkit';

describe('access requests, approvals and grants', () => {
  let gw: TestGateway;
  let alice: TestIdentity; // developer, requests
  let bob: TestIdentity; // approver
  let carol: TestIdentity; // approver
  let dave: TestIdentity; // developer, not an approver
  let agent: TestIdentity; // AI agent (service identity) that is also in the approvers group

  beforeAll(async () => {
    gw = await startGateway({ env: { JITGATE_REQUEST_TTL: '3s', JITGATE_SWEEP_INTERVAL: '1s' } });
    alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] });
    bob = await createIdentity(gw.admin, { subject: 'bob', groups: ['dba'] });
    carol = await createIdentity(gw.admin, { subject: 'carol', groups: ['dba'] });
    dave = await createIdentity(gw.admin, { subject: 'dave', groups: ['dev'] });
    agent = await createIdentity(gw.admin, { subject: 'agent-7', kind: 'service', groups: ['dba', 'agents'], attributes: { model: 'claude-x' } });
    await createConnection(gw.admin, 'orders-db', { labels: { env: 'prod' } });
    await createConnection(gw.admin, 'scratch-db', { labels: { env: 'dev' } });
    await createConnection(gw.admin, 'limited-db', { labels: { env: 'dev' } });
    await createPolicy(gw.admin, 'databases', [
      { name: 'prod-needs-two-dbas', effect: 'require-approval', match: { connection: { labels: { env: 'prod' } } }, approvals: { count: 2, groups: ['dba'] }, maxDuration: '4h' },
      { name: 'dev-auto', effect: 'auto-approve', match: { identity: { groups: ['dev', 'agents'] }, connection: { names: ['scratch-db'] } }, maxDuration: '1h' },
      { name: 'limited', effect: 'auto-approve', match: { connection: { names: ['limited-db'] } }, maxDuration: '1h', rateLimit: { max: 2, window: '1h' } },
      { name: 'no-agents-on-prod', effect: 'deny', match: { identity: { kinds: ['service'] }, connection: { labels: { env: 'prod' } } } },
    ]);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('auto-approves within the rule and grants at once', async () => {
    const created = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '30m', reason: 'debug a flaky test' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('approved');
    expect(created.body.decision).toMatchObject({ effect: 'auto-approve', rule: { policy: 'databases', rule: 'dev-auto' } });
    expect(created.body.grant.status).toBe('active');
    const check = await alice.api.get('/v1/grants/check?connection=scratch-db');
    expect(check.body).toMatchObject({ allowed: true, grantId: created.body.grant.id });
    expect((await dave.api.get('/v1/grants/check?connection=scratch-db')).body.allowed).toBe(false);
  });

  it('denies with the rule that denied, and by default when no rule matches', async () => {
    const denied = await agent.api.post('/v1/access-requests', { connection: 'orders-db', duration: '10m', reason: 'nightly report' });
    expect(denied.status).toBe(201);
    expect(denied.body.status).toBe('denied');
    expect(denied.body.decision).toMatchObject({ effect: 'deny', code: 'denied_by_rule', rule: { rule: 'no-agents-on-prod' } });
    // Longer than the auto-approve rule allows, and no other rule matches: deny.
    const tooLong = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '2h', reason: 'long job' });
    expect(tooLong.body.status).toBe('denied');
    expect(tooLong.body.decision.code).toBe('no_matching_rule');
    expect(tooLong.body.grant).toBeNull();
  });

  it('counts N-of-M approvals per distinct approver and starts the clock at approval', async () => {
    const created = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: 120, reason: 'fix order 1234' });
    expect(created.body.status).toBe('pending');
    expect(created.body).toMatchObject({ requiredApprovals: 2, approverGroups: ['dba'] });
    const id = created.body.id as string;

    // Who may not decide.
    expect((await alice.api.post(`/v1/access-requests/${id}/approve`, { comment: 'me' })).status).toBe(403);
    const byAgent = await agent.api.post(`/v1/access-requests/${id}/approve`, {});
    expect(byAgent.status).toBe(403);
    expect(byAgent.body.error.message).toMatch(/service/);
    expect((await dave.api.post(`/v1/access-requests/${id}/approve`, {})).status).toBe(403);

    // The queue: bob sees it, alice (requester) and dave (not dba) do not, the agent never does.
    const queue = async (who: TestIdentity) => ((await who.api.get('/v1/access-requests?status=pending')).body.items as Array<{ id: string }>).map((r) => r.id);
    expect(await queue(bob)).toContain(id);
    expect(await queue(alice)).not.toContain(id);
    expect(await queue(dave)).not.toContain(id);
    expect(await queue(agent)).toEqual([]);

    await sleep(1100); // the grant's clock must start at approval, not at the request
    const first = await bob.api.post(`/v1/access-requests/${id}/approve`, { comment: 'looks right' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending');
    expect((await bob.api.post(`/v1/access-requests/${id}/approve`, {})).status).toBe(409);
    expect(await queue(bob)).not.toContain(id);

    const second = await carol.api.post(`/v1/access-requests/${id}/approve`, { comment: 'ok' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('approved');
    expect(second.body.approvals.map((a: { approver: string }) => a.approver)).toEqual(['bob', 'carol']);
    const grant = second.body.grant;
    const startsAt = new Date(grant.startsAt).getTime();
    expect(startsAt).toBeGreaterThanOrEqual(new Date(created.body.createdAt).getTime() + 1000);
    expect(new Date(grant.expiresAt).getTime() - startsAt).toBe(120_000);

    const active = await alice.api.get('/v1/grants?active=true');
    expect(active.body.items.map((g: { id: string }) => g.id)).toContain(grant.id);
  });

  it('lets one deny end a pending request', async () => {
    const created = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'look at a row' });
    const denied = await bob.api.post(`/v1/access-requests/${created.body.id}/deny`, { comment: 'use the replica' });
    expect(denied.status).toBe(200);
    expect(denied.body.status).toBe('denied');
    expect((await carol.api.post(`/v1/access-requests/${created.body.id}/approve`, {})).status).toBe(409);
  });

  it('never creates two grants when approvers race', async () => {
    await createConnection(gw.admin, 'race-db', { labels: { env: 'race' } });
    await createPolicy(gw.admin, 'race', [{ name: 'one-dba', effect: 'require-approval', match: { connection: { names: ['race-db'] } }, approvals: { count: 1, groups: ['dba'] } }]);
    for (let round = 0; round < 8; round += 1) {
      const created = await alice.api.post('/v1/access-requests', { connection: 'race-db', duration: '5m', reason: `race ${round}` });
      expect(created.body.status).toBe('pending');
      const results = await Promise.all([bob, carol].map((who) => who.api.post(`/v1/access-requests/${created.body.id}/approve`, {})));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409]);
      const after = await alice.api.get(`/v1/access-requests/${created.body.id}`);
      expect(after.body.status).toBe('approved');
      expect(after.body.approvals).toHaveLength(1);
    }
    const grants = await gw.admin.get('/v1/grants?view=all&connection=race-db&limit=500');
    expect(grants.body.items).toHaveLength(8);
  });

  it('expires a pending request after its TTL, and lets a requester cancel', async () => {
    const created = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'will expire' });
    const expired = await eventually(async () => {
      const current = await alice.api.get(`/v1/access-requests/${created.body.id}`);
      return current.body.status === 'expired' ? current.body : null;
    }, 10_000);
    expect(expired.grant).toBeNull();
    expect((await bob.api.post(`/v1/access-requests/${created.body.id}/approve`, {})).status).toBe(409);

    const other = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'changed my mind' });
    expect((await dave.api.post(`/v1/access-requests/${other.body.id}/cancel`)).status).toBe(404);
    const cancelled = await alice.api.post(`/v1/access-requests/${other.body.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await alice.api.post(`/v1/access-requests/${other.body.id}/cancel`)).status).toBe(409);
  });

  it('honours a later startAt', async () => {
    const startAt = new Date(Date.now() + 2500).toISOString();
    const created = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'tonight', startAt });
    expect(created.body.status).toBe('approved');
    expect(new Date(created.body.grant.startsAt).toISOString()).toBe(startAt);
    const grants = await alice.api.get('/v1/grants?active=true&connection=scratch-db');
    expect(grants.body.items.map((g: { id: string }) => g.id)).not.toContain(created.body.grant.id);
    await eventually(async () => {
      const now = await alice.api.get('/v1/grants?active=true&connection=scratch-db');
      return now.body.items.some((g: { id: string }) => g.id === created.body.grant.id);
    }, 8000);
  });

  it('closes a grant at its expiry, and lets holders release and admins revoke', async () => {
    const short = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: 2, reason: 'two seconds' });
    const grantId = short.body.grant.id as string;
    const ended = await eventually(async () => {
      const grant = await alice.api.get(`/v1/grants/${grantId}`);
      return grant.body.status === 'expired' ? grant.body : null;
    }, 10_000);
    expect(ended.inForce).toBe(false);
    expect(new Date(ended.endedAt).getTime()).toBeGreaterThanOrEqual(new Date(ended.expiresAt).getTime());

    const toRelease = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'done soon' });
    const releaseId = toRelease.body.grant.id;
    expect((await dave.api.post(`/v1/grants/${releaseId}/release`, {})).status).toBe(404);
    const released = await alice.api.post(`/v1/grants/${releaseId}/release`, { reason: 'task finished' });
    expect(released.body).toMatchObject({ status: 'released', endReason: 'task finished', inForce: false });
    expect((await alice.api.post(`/v1/grants/${releaseId}/release`, {})).status).toBe(409);

    const toRevoke = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'will be revoked' });
    const revokeId = toRevoke.body.grant.id;
    expect((await alice.api.post(`/v1/grants/${revokeId}/revoke`, {})).status).toBe(403);
    const revoked = await gw.admin.post(`/v1/grants/${revokeId}/revoke`, { reason: 'incident 42' });
    expect(revoked.body).toMatchObject({ status: 'revoked', endReason: 'incident 42' });
    expect((await alice.api.get('/v1/grants/check?connection=scratch-db')).body.grantId).not.toBe(revokeId);
  });

  it('caps re-requests with the rule rate limit', async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await dave.api.post('/v1/access-requests', { connection: 'limited-db', duration: '1m', reason: `attempt ${i}` });
      outcomes.push(r.body.status === 'denied' ? r.body.decision.code : r.body.status);
    }
    expect(outcomes).toEqual(['approved', 'approved', 'rate_limited', 'rate_limited']);
  });

  it('keeps every step in a verifiable audit chain', async () => {
    const verify = await gw.admin.get('/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThan(40);
    const approvals = await gw.admin.get(`/v1/audit?action=access_request.approval_recorded&actor=${bob.id}`);
    expect(approvals.body.items.length).toBeGreaterThan(0);
    expect(approvals.body.items.every((e: { actorId: string }) => e.actorId === bob.id)).toBe(true);
    const expiries = await gw.admin.get('/v1/audit?action=grant.expired');
    expect(expiries.body.items.length).toBeGreaterThan(0);
    expect((await alice.api.get('/v1/audit')).status).toBe(403);
  });
});
