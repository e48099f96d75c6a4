// Helpers shared by the end-to-end suites (not a test file: vitest only runs *.test.ts).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { REDIS_URL } from '@jitgate/testkit';

// One node-postgres helper for every tier (@jitgate/testkit's pg-client.ts); re-exported for the suites.
export { queryDatabase } from '@jitgate/testkit';

/** A bootstrap token in the format JITGATE_BOOTSTRAP_TOKEN accepts: jg_ and 40 URL-safe characters. */
export function newBootstrapToken(): string {
  return `jg_${randomBytes(30).toString('base64url')}`;
}

export function newRedisPrefix(suite: string): string {
  return `jge2e-${suite}-${randomBytes(4).toString('hex')}`;
}

/** The environment every suite starts from. */
export function baseEnv(databaseUrl: string, redisPrefix: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, REDIS_URL, JITGATE_REDIS_PREFIX: redisPrefix };
}

/** Asserts the audit chain verifies end to end. */
export async function expectAuditChainIntact(admin: { get(path: string): Promise<{ status: number; body: any }> }): Promise<void> {
  const verify = await admin.get('/v1/audit/verify');
  expect(verify.status).toBe(200);
  expect(verify.body, JSON.stringify(verify.body)).toMatchObject({ ok: true });
}
