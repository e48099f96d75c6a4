// The text fields of every write the API takes, for the hostile-text suite
// (test/integration/bad-input.hostile-text.test.ts): how to send a value into each and read the
// stored value back, and the hostile and unusual texts to send.
import { expect } from 'vitest';
import type { BadInputSuite } from './bad-input-suite.js';
import type { ApiClient, ApiResponse } from '@jitgate/testkit';

/** [label, text]: SQL look-alikes, unicode, escapes, control characters, lengths at and past a limit. */
export const HOSTILE_TEXTS: Array<[string, string]> = [
  ['sql-drop', "'; DROP TABLE grants; --"],
  ['sql-or', '" OR 1=1 --'],
  ['dollar-quote', '$$'],
  ['dollar-tag', '$jg$; DELETE FROM audit_events; $jg$'],
  ['unicode', 'Zoë Ångström — 東京 — عربى — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
  ['emoji', '🔥👩‍💻🚀'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile text, a template placeholder the server must store as is.
  ['escapes', 'back\\slash \\u0041 %s %n {{7*7}} ${x} <script>alert(1)</script>'],
  ['multiline', 'line one\nline two\tend'],
  ['nul', 'a\u0000b'],
  ['lone-surrogate', 'a\ud800b'],
  ['long-2000', 'L'.repeat(2000)],
  ['long-2001', 'M'.repeat(2001)],
];

export interface TextField {
  name: string;
  /** Writes this field's call needs (a fresh pending request, a fresh grant), done before the snapshot. */
  prepare?(): Promise<void>;
  send(value: string): Promise<ApiResponse>;
  /** The stored value, read back with a GET. */
  readBack(created: any): Promise<unknown>;
}

/** Every text field of every write; call once the suite's beforeAll has run. */
export function hostileTextFields(suite: BadInputSuite): TextField[] {
  const { gw, alice, bob, target, connectionId, unique } = suite;
  const tcpConnection = (extra: Record<string, unknown>, settings: Record<string, unknown> = {}) => ({
    name: unique('inj'),
    type: 'tcp',
    agentGroup: 'default',
    settings: { host: 'db.internal', port: 5432, ...settings },
    ...extra,
  });
  const postgresConnection = (settings: Record<string, unknown>) => ({ name: unique('inj'), type: 'postgres', agentGroup: 'default', settings: { host: 'db.internal', database: 'app', ...settings } });
  const denyRule = (extra: Record<string, unknown>, match?: Record<string, unknown>) => ({
    name: 'r',
    effect: 'deny',
    match: match ?? { connection: { names: ['nowhere-db'] } },
    ...extra,
  });
  const identity = async (id: string) => (await gw.admin.get(`/v1/identities/${id}`)).body;
  const connection = async (id: string) => (await gw.admin.get(`/v1/connections/${id}`)).body;
  const policy = async (id: string) => (await gw.admin.get(`/v1/policies/${id}`)).body;
  const request = async (id: string) => (await gw.admin.get(`/v1/access-requests/${id}`)).body;
  const grant = async (id: string) => (await gw.admin.get(`/v1/grants/${id}`)).body;

  /** A fresh pending request of alice's on orders-db, for one decision. */
  const freshPending = async () => {
    const res = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'for a decision' });
    expect(res.body.status).toBe('pending');
    return res.body.id as string;
  };
  const freshGrant = async () => {
    const res = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'for an ending' });
    expect(res.body.grant?.status).toBe('active');
    return res.body.grant.id as string;
  };
  let decideId: string | undefined;
  let endId: string | undefined;

  /** A decision on a fresh pending request; the request serves the next values until one is taken. */
  const decision = (verb: 'approve' | 'deny'): TextField => ({
    name: `${verb} comment`,
    prepare: async () => {
      decideId ??= await freshPending();
    },
    send: async (v) => {
      const res = await bob.api.post(`/v1/access-requests/${decideId!}/${verb}`, { comment: v });
      if (res.status < 300) decideId = undefined;
      return res;
    },
    readBack: async (c) => (await request(c.id)).approvals[0].comment,
  });
  /** The end of a fresh grant; the grant serves the next values until one is taken. */
  const ending = (verb: 'release' | 'revoke', caller: ApiClient): TextField => ({
    name: `grant ${verb} reason`,
    prepare: async () => {
      endId ??= await freshGrant();
    },
    send: async (v) => {
      const res = await caller.post(`/v1/grants/${endId!}/${verb}`, { reason: v });
      if (res.status < 300) endId = undefined;
      return res;
    },
    readBack: async (c) => (await grant(c.id)).endReason,
  });

  return [
    // identities
    { name: 'identity.subject', send: (v) => gw.admin.post('/v1/identities', { kind: 'human', subject: v }), readBack: async (c) => (await identity(c.id)).subject },
    { name: 'identity.displayName', send: (v) => gw.admin.post('/v1/identities', { kind: 'human', subject: unique('inj'), displayName: v }), readBack: async (c) => (await identity(c.id)).displayName },
    { name: 'identity.groups[]', send: (v) => gw.admin.post('/v1/identities', { kind: 'human', subject: unique('inj'), groups: [v] }), readBack: async (c) => (await identity(c.id)).groups[0] },
    {
      name: 'identity.attributes value',
      send: (v) => gw.admin.post('/v1/identities', { kind: 'service', subject: unique('inj'), attributes: { note: v } }),
      readBack: async (c) => (await identity(c.id)).attributes.note,
    },
    {
      name: 'identity.attributes key',
      send: (v) => gw.admin.post('/v1/identities', { kind: 'service', subject: unique('inj'), attributes: { [v]: 'x' } }),
      readBack: async (c) => Object.keys((await identity(c.id)).attributes)[0],
    },
    { name: 'PATCH identity.displayName', send: (v) => gw.admin.patch(`/v1/identities/${target.id}`, { displayName: v }), readBack: async () => (await identity(target.id)).displayName },
    { name: 'PATCH identity.attributes value', send: (v) => gw.admin.patch(`/v1/identities/${target.id}`, { attributes: { note: v } }), readBack: async () => (await identity(target.id)).attributes.note },
    {
      name: 'token.name',
      send: (v) => gw.admin.post(`/v1/identities/${target.id}/tokens`, { name: v }),
      readBack: async (c) => ((await gw.admin.get(`/v1/identities/${target.id}/tokens`)).body.items as Array<{ id: string; name: string }>).find((t) => t.id === c.id)?.name,
    },
    // connections
    { name: 'connection.name', send: (v) => gw.admin.post('/v1/connections', tcpConnection({ name: v })), readBack: async (c) => (await connection(c.id)).name },
    { name: 'connection.description', send: (v) => gw.admin.post('/v1/connections', tcpConnection({ description: v })), readBack: async (c) => (await connection(c.id)).description },
    { name: 'connection.labels value', send: (v) => gw.admin.post('/v1/connections', tcpConnection({ labels: { team: v } })), readBack: async (c) => (await connection(c.id)).labels.team },
    { name: 'connection.labels key', send: (v) => gw.admin.post('/v1/connections', tcpConnection({ labels: { [v]: 'x' } })), readBack: async (c) => Object.keys((await connection(c.id)).labels)[0] },
    { name: 'connection.agentGroup', send: (v) => gw.admin.post('/v1/connections', tcpConnection({ agentGroup: v })), readBack: async (c) => (await connection(c.id)).agentGroup },
    {
      name: 'connection.credentialRef',
      send: (v) => gw.admin.post('/v1/connections', tcpConnection({ credentialRef: `file:/run/secrets/${v}` })),
      readBack: async (c) => (await connection(c.id)).credentialRef?.replace('file:/run/secrets/', ''),
    },
    { name: 'connection.settings.host', send: (v) => gw.admin.post('/v1/connections', tcpConnection({}, { host: v })), readBack: async (c) => (await connection(c.id)).settings.host },
    { name: 'connection.settings.database', send: (v) => gw.admin.post('/v1/connections', postgresConnection({ database: v })), readBack: async (c) => (await connection(c.id)).settings.database },
    { name: 'connection.settings.user', send: (v) => gw.admin.post('/v1/connections', postgresConnection({ user: v })), readBack: async (c) => (await connection(c.id)).settings.user },
    { name: 'PATCH connection.description', send: (v) => gw.admin.patch(`/v1/connections/${connectionId}`, { description: v }), readBack: async () => (await connection(connectionId)).description },
    {
      name: 'PATCH connection.labels value',
      send: (v) => gw.admin.patch(`/v1/connections/${connectionId}`, { labels: { env: 'prod', team: v } }),
      readBack: async () => (await connection(connectionId)).labels.team,
    },
    // policies
    { name: 'policy.name', send: (v) => gw.admin.post('/v1/policies', { name: v, rules: [denyRule({})] }), readBack: async (c) => (await policy(c.id)).name },
    { name: 'policy.description', send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), description: v, rules: [denyRule({})] }), readBack: async (c) => (await policy(c.id)).description },
    { name: 'policy rule name', send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), rules: [denyRule({ name: v })] }), readBack: async (c) => (await policy(c.id)).rules[0].name },
    {
      name: 'policy rule description',
      send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), rules: [denyRule({ description: v })] }),
      readBack: async (c) => (await policy(c.id)).rules[0].description,
    },
    {
      name: 'policy rule condition (raw)',
      send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), rules: [denyRule({ condition: v })] }),
      readBack: async (c) => (await policy(c.id)).rules[0].condition,
    },
    {
      name: 'policy rule condition (CEL string literal)',
      send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), rules: [denyRule({ condition: `request.reason == ${JSON.stringify(v)}` })] }),
      readBack: async (c) => {
        const condition = (await policy(c.id)).rules[0].condition as string;
        return JSON.parse(condition.replace(/^request\.reason == /, '')) as unknown;
      },
    },
    {
      name: 'policy rule match pattern',
      send: (v) => gw.admin.post('/v1/policies', { name: unique('inj'), rules: [denyRule({}, { connection: { names: ['nowhere-db'] }, identity: { subjects: [v] } })] }),
      readBack: async (c) => (await policy(c.id)).rules[0].match.identity.subjects[0],
    },
    {
      name: 'policy rule approver group',
      send: (v) =>
        gw.admin.post('/v1/policies', { name: unique('inj'), rules: [{ name: 'r', effect: 'require-approval', match: { connection: { names: ['nowhere-db'] } }, approvals: { count: 1, groups: [v] } }] }),
      readBack: async (c) => (await policy(c.id)).rules[0].approvals.groups[0],
    },
    // access requests and decisions
    { name: 'access request reason', send: (v) => alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: v }), readBack: async (c) => (await request(c.id)).reason },
    {
      name: 'access request scope',
      send: (v) => alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'scoped', scope: v }),
      readBack: async (c) => (await request(c.id)).scope,
    },
    { name: 'access request connection', send: (v) => alice.api.post('/v1/access-requests', { connection: v, duration: '5m', reason: 'x' }), readBack: async (c) => (await request(c.id)).connection.name },
    decision('approve'),
    decision('deny'),
    ending('release', alice.api),
    ending('revoke', gw.admin),
  ];
}
