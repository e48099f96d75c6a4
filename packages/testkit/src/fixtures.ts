// What suites make through the REST API (identities with a token each, connections, policies,
// grants, agents), and polling for what happens after.
import { expect } from 'vitest';
import type { ApiClient } from './api-client.js';

export interface TestIdentity {
  id: string;
  subject: string;
  token: string;
  api: ApiClient;
}

export async function createIdentity(admin: ApiClient, input: { subject: string; kind?: 'human' | 'service'; groups?: string[]; attributes?: Record<string, string | number | boolean> }): Promise<TestIdentity> {
  const created = await admin.post('/v1/identities', { kind: input.kind ?? 'human', subject: input.subject, groups: input.groups ?? [], attributes: input.attributes ?? {} });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const issued = await admin.post(`/v1/identities/${created.body.id}/tokens`, { name: `${input.subject}-token` });
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  return { id: created.body.id, subject: input.subject, token: issued.body.token, api: admin.as(issued.body.token) };
}

export async function createConnection(admin: ApiClient, name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
  const created = await admin.post('/v1/connections', {
    name,
    type: 'postgres',
    agentGroup: 'default',
    settings: { host: '127.0.0.1', port: 5432, database: 'app', sslmode: 'disable' },
    credentialRef: 'env:APP_DB_PASSWORD',
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id, name };
}

export async function createPolicy(admin: ApiClient, name: string, rules: unknown[]): Promise<{ id: string }> {
  const created = await admin.post('/v1/policies', { name, rules });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id };
}

/**
 * orders-db (env=prod, one approval from the dba group) and scratch-db (env=dev, auto-approved for
 * the dev group up to `devMaxDuration`), under one policy, "databases".
 */
export async function createOrdersAndScratch(admin: ApiClient, devMaxDuration: string): Promise<void> {
  await createConnection(admin, 'orders-db', { labels: { env: 'prod' } });
  await createConnection(admin, 'scratch-db', { labels: { env: 'dev' } });
  await createPolicy(admin, 'databases', [
    { name: 'prod-one-dba', effect: 'require-approval', match: { connection: { names: ['orders-db'] } }, approvals: { count: 1, groups: ['dba'] } },
    { name: 'dev-auto', effect: 'auto-approve', match: { identity: { groups: ['dev'] }, connection: { names: ['scratch-db'] } }, maxDuration: devMaxDuration },
  ]);
}

// Data-path fixtures: a tcp connection to a target on loopback, a policy that grants it at once,
// a grant, and an agent registered to serve it.

export async function createTcpConnection(admin: ApiClient, name: string, port: number, agentGroup = 'edge'): Promise<{ id: string; name: string }> {
  return createConnection(admin, name, { type: 'tcp', agentGroup, settings: { host: '127.0.0.1', port }, credentialRef: undefined });
}

/** An auto-approve policy for these connections, so that a request is a grant at once. */
export async function allowConnections(admin: ApiClient, policyName: string, connections: string[]): Promise<void> {
  await createPolicy(admin, policyName, [{ name: 'auto', effect: 'auto-approve', match: { connection: { names: connections } }, maxDuration: '24h' }]);
}

export interface TestGrant {
  id: string;
  expiresAt: Date;
}

export async function requestGrant(who: TestIdentity, connection: string, durationSeconds = 3600): Promise<TestGrant> {
  const created = await who.api.post('/v1/access-requests', { connection, duration: durationSeconds, reason: 'tunnel test' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.status, JSON.stringify(created.body)).toBe('approved');
  return { id: created.body.grant.id as string, expiresAt: new Date(created.body.grant.expiresAt as string) };
}

export async function registerAgent(admin: ApiClient, name: string, agentGroup = 'edge'): Promise<{ id: string; token: string }> {
  const created = await admin.post('/v1/agents', { name, agentGroup, labels: { zone: 'test' } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id as string, token: created.body.token as string };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or a rejection naming `what` when it has not settled within `ms`: a liveness bound
 * (a call that hangs fails the test, saying which), not a timing check.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; returns the value. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
