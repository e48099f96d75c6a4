// Bad input, through HTTP, on real Postgres and Redis: JSON bodies with unknown fields (at any
// level, "__proto__" included) or fields of the wrong type get a 400 that names the field, in the
// one error shape, and write nothing.
// Set-up and `unchanged` (the audit chain, the list endpoints and every table's row count, before
// and after): test/support/bad-input-suite.ts; the error shape: test/support/error-assertions.ts.
import { describe, it } from 'vitest';
import { useBadInputSuite } from '../support/bad-input-suite.js';
import { expectInvalid } from '../support/error-assertions.js';
import type { ApiClient } from '@jitgate/testkit';

describe('bad input', () => {
  const suite = useBadInputSuite();

  it('refuses unknown fields on every body, at every level', async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['POST', '/v1/identities', { kind: 'human', subject: 'eve', isAdmin: true }, 'isAdmin'],
      ['PATCH', `/v1/identities/${suite.target.id}`, { displayName: 'x', issuer: 'evil' }, 'issuer'],
      ['POST', `/v1/identities/${suite.target.id}/tokens`, { name: 'x', expiresAt: '2100-01-01T00:00:00Z' }, 'expiresAt'],
      ['POST', '/v1/connections', { name: 'eve-db', type: 'tcp', agentGroup: 'default', settings: { host: 'h', port: 1 }, password: 'hunter2' }, 'password'],
      ['POST', '/v1/connections', { name: 'eve-db', type: 'postgres', agentGroup: 'default', settings: { host: 'h', database: 'd', password: 'hunter2' } }, 'password'],
      ['PATCH', `/v1/connections/${suite.connectionId}`, { description: 'x', name: 'renamed' }, 'name'],
      ['PATCH', `/v1/connections/${suite.connectionId}`, { settings: { host: 'h', database: 'd', password: 'hunter2' } }, 'password'],
      ['POST', '/v1/policies', { name: 'eve', rules: [{ name: 'r', effect: 'deny' }], enabled: true }, 'enabled'],
      ['POST', '/v1/policies', { name: 'eve', rules: [{ name: 'r', effect: 'auto-approve', maxDuraton: '1h' }] }, 'maxDuraton'],
      ['POST', '/v1/policies', { name: 'eve', rules: [{ name: 'r', effect: 'deny', match: { identity: { group: ['x'] } } }] }, 'group'],
      ['PUT', `/v1/policies/${suite.policyId}`, { name: 'renamed', rules: [{ name: 'r', effect: 'deny' }] }, 'name'],
      ['POST', '/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'x', grantNow: true }, 'grantNow'],
      ['POST', `/v1/access-requests/${suite.pendingId}/approve`, { comment: 'ok', count: 5 }, 'count'],
      ['POST', `/v1/access-requests/${suite.pendingId}/deny`, { comment: 'no', force: true }, 'force'],
      ['POST', `/v1/access-requests/${suite.pendingId}/cancel`, { reason: 'changed my mind' }, 'reason'],
      ['POST', `/v1/grants/${suite.grantId}/revoke`, { reason: 'x', notify: true }, 'notify'],
      ['POST', `/v1/grants/${suite.grantId}/release`, { reason: 'x', extend: '1h' }, 'extend'],
    ];
    await suite.unchanged(async () => {
      for (const [method, path, body, field] of cases) {
        const caller = path.endsWith('/cancel') || path.endsWith('/release') ? suite.alice.api : path.endsWith('/approve') || path.endsWith('/deny') ? suite.bob.api : suite.gw.admin;
        expectInvalid(await caller.request(method, path, body), field);
      }
      // zod's records drop a "__proto__" key instead of checking it; it is refused like any bad key.
      expectInvalid(await suite.gw.admin.request('POST', '/v1/identities', '{"kind":"human","subject":"proto","attributes":{"__proto__":{"isAdmin":true}}}'), '__proto__');
      expectInvalid(await suite.gw.admin.request('PATCH', `/v1/connections/${suite.connectionId}`, '{"labels":{"__proto__":"x"}}'), '__proto__');
      expectInvalid(await suite.gw.admin.request('POST', '/v1/identities', '{"kind":"human","subject":"proto","__proto__":{"groups":["jitgate-admins"]}}'), '__proto__');
      // A token revocation takes no body: one that carries fields is a mistake, not a revocation.
      const tokens = await suite.gw.admin.get(`/v1/identities/${suite.alice.id}/tokens`);
      const tokenId = tokens.body.items[0].id as string;
      expectInvalid(await suite.gw.admin.post(`/v1/identities/${suite.alice.id}/tokens/${tokenId}/revoke`, { because: 'x' }), 'because');
    });
  });

  it('refuses wrong types with the field named', async () => {
    const tcp = (extra: Record<string, unknown>) => ({ name: 'typed-db', type: 'tcp', agentGroup: 'default', settings: { host: 'h', port: 1 }, ...extra });
    const rule = (extra: Record<string, unknown>) => ({ name: 'typed', rules: [{ name: 'r', effect: 'auto-approve', ...extra }] });
    const ask = (extra: Record<string, unknown>) => ({ connection: 'scratch-db', duration: '5m', reason: 'x', ...extra });
    const cases: Array<[ApiClient, string, string, unknown, string]> = [
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'robot', subject: 'x' }, 'kind'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 42 }, 'subject'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', groups: 'dev' }, 'groups'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', groups: [1] }, 'groups'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', attributes: ['a'] }, 'attributes'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', attributes: { a: { nested: 1 } } }, 'attributes'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', attributes: { a: null } }, 'attributes'],
      [suite.gw.admin, 'POST', '/v1/identities', { kind: 'human', subject: 'x', displayName: null }, 'displayName'],
      [suite.gw.admin, 'PATCH', `/v1/identities/${suite.target.id}`, { disabled: 'yes' }, 'disabled'],
      [suite.gw.admin, 'PATCH', `/v1/identities/${suite.target.id}`, {}, 'at least one'],
      [suite.gw.admin, 'POST', `/v1/identities/${suite.target.id}/tokens`, { name: 5 }, 'name'],
      [suite.gw.admin, 'POST', `/v1/identities/${suite.target.id}/tokens`, { name: 'x', ttl: true }, 'ttl'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ type: 'oracle' }), 'type'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ settings: 'host=h' }), 'settings'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ settings: { host: 'h', port: '5432' } }), 'port'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ settings: { host: 'h', port: 0 } }), 'port'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ settings: { host: 'h', port: 70_000 } }), 'port'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ settings: { host: 'h', port: 1.5 } }), 'port'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ labels: ['prod'] }), 'labels'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ agentGroup: 7 }), 'agentGroup'],
      [suite.gw.admin, 'POST', '/v1/connections', tcp({ credentialRef: 'hunter2' }), 'credentialRef'],
      [suite.gw.admin, 'PATCH', `/v1/connections/${suite.connectionId}`, { settings: { host: 'h', database: 'd', port: 'x' } }, 'port'],
      [suite.gw.admin, 'POST', '/v1/policies', { name: 'typed', rules: {} }, 'rules'],
      [suite.gw.admin, 'POST', '/v1/policies', { name: 'typed', rules: [] }, 'rules'],
      [suite.gw.admin, 'POST', '/v1/policies', { name: 'typed', rules: ['allow all'] }, 'rules'],
      [suite.gw.admin, 'POST', '/v1/policies', rule({ effect: 'allow' }), 'effect'],
      [suite.gw.admin, 'POST', '/v1/policies', rule({ effect: 'require-approval', approvals: { count: '2', groups: ['dba'] } }), 'count'],
      [suite.gw.admin, 'POST', '/v1/policies', rule({ maxDuration: -1 }), 'maxDuration'],
      [suite.gw.admin, 'POST', '/v1/policies', rule({ condition: 42 }), 'condition'],
      [suite.gw.admin, 'POST', '/v1/policies', rule({ condition: 'identity.subject' }), 'condition'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ connection: 5 }), 'connection'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ duration: true }), 'duration'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ duration: null }), 'duration'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ reason: 5 }), 'reason'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ reason: '   ' }), 'reason'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ scope: 5 }), 'scope'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ startAt: 'tomorrow' }), 'startAt'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ startAt: 1_900_000_000 }), 'startAt'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ startAt: '2030-02-30T00:00:00Z' }), 'startAt'],
      [suite.alice.api, 'POST', '/v1/access-requests', ask({ startAt: '2030-01-01T00:00:00' }), 'startAt'],
      [suite.alice.api, 'POST', '/v1/access-requests', { duration: '5m', reason: 'x' }, 'connection'],
      [suite.alice.api, 'POST', '/v1/access-requests', '{"connection":"scratch-db","duration":1e400,"reason":"x"}', 'duration'],
      [suite.bob.api, 'POST', `/v1/access-requests/${suite.pendingId}/approve`, { comment: 5 }, 'comment'],
      [suite.bob.api, 'POST', `/v1/access-requests/${suite.pendingId}/deny`, { comment: null }, 'comment'],
      [suite.gw.admin, 'POST', `/v1/grants/${suite.grantId}/revoke`, { reason: ['x'] }, 'reason'],
      [suite.alice.api, 'POST', `/v1/grants/${suite.grantId}/release`, { reason: false }, 'reason'],
    ];
    await suite.unchanged(async () => {
      for (const [caller, method, path, body, field] of cases) {
        expectInvalid(await caller.request(method, path, body), field);
      }
    });
  });
});
