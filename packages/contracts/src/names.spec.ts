import { describe, expect, it } from 'vitest';
import { agentGroup, agentName, connectionName, isConnectionName, labels } from './names.js';

describe('names', () => {
  it.each(['pg', 'pg-prod', 'orders.db_1', '0day', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(isConnectionName(name)).toBe(true);
    for (const schema of [connectionName, agentName, agentGroup]) expect(schema.safeParse(name).success).toBe(true);
  });

  it.each(['', 'PG', '-pg', '.pg', 'pg prod', 'pg/prod', 'pg\n', 'a'.repeat(64), 'ρg'])('refuses %j', (name) => {
    expect(isConnectionName(name)).toBe(false);
    for (const schema of [connectionName, agentName, agentGroup]) expect(schema.safeParse(name).success).toBe(false);
  });
});

describe('labels', () => {
  it('takes lower-case keys (with "/") and values of at most 63 characters, at most 32 of them', () => {
    expect(labels.safeParse({ 'team/owner': 'data', env: 'prod' }).success).toBe(true);
    expect(labels.safeParse({ Team: 'data' }).success).toBe(false);
    expect(labels.safeParse({ env: 'x'.repeat(64) }).success).toBe(false);
    expect(labels.safeParse(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))).success).toBe(false);
  });
});
