import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.js';

describe('isDatabaseUnavailable', () => {
  it.each<[string, unknown]>([
    ['Prisma: the server cannot be reached (P1001)', { name: 'PrismaClientKnownRequestError', code: 'P1001' }],
    ['Prisma: the pool timed out (P2024)', { name: 'PrismaClientKnownRequestError', code: 'P2024' }],
    ['Prisma: a driver adapter error that says so', { name: 'PrismaClientKnownRequestError', code: 'P9999', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } }],
    ['Prisma: initialisation failed', { name: 'PrismaClientInitializationError' }],
    ['Prisma: the server out of disk, through the adapter', { name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '53100' } } } }],
    ['node-postgres: connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['node-postgres: the server is shutting down (57P01)', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['node-postgres: terminated, in words only', new Error('Connection terminated unexpectedly')],
    ['node-postgres: no answer within query_timeout (JITGATE_DATABASE_TIMEOUT)', new Error('Query read timeout')],
    ['the server out of disk (53100)', { code: '53100', message: 'could not extend file: No space left on device' }],
    ['the server out of memory (53200)', { code: '53200', message: 'out of memory' }],
    ['node-postgres: no connection within connectionTimeoutMillis', new Error('timeout exceeded when trying to connect')],
    ['wrapped as a cause', new Error('outer', { cause: { code: 'ETIMEDOUT' } })],
  ])('%s: yes', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a unique violation (P2002)', { name: 'PrismaClientKnownRequestError', code: 'P2002' }],
    ['a server error of the request itself, through the adapter', { name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '23505' } } } }],
    ['a syntax error (42601)', { code: '42601', message: 'syntax error' }],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: no', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
