import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.schema.js';

const minimal = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/jitgate', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('parseConfig', () => {
  it('fills documented defaults', () => {
    const config = parseConfig(minimal);
    expect(config.http.port).toBe(8080);
    expect(config.access.requestTtlSeconds).toBe(3600);
    expect(config.access.maxGrantSeconds).toBe(86_400);
    expect(config.auth.adminGroup).toBe('jitgate-admins');
    expect(config.auth.oidcIssuers).toEqual([]);
    expect(config.auth.bootstrapToken).toBeUndefined();
  });

  it('parses durations and numbers', () => {
    const config = parseConfig({ ...minimal, PORT: '9090', JITGATE_REQUEST_TTL: '15m', JITGATE_SWEEP_INTERVAL: '5', JITGATE_MAX_GRANT_DURATION: '2d' });
    expect(config.http.port).toBe(9090);
    expect(config.access.requestTtlSeconds).toBe(900);
    expect(config.access.sweepIntervalSeconds).toBe(5);
    expect(config.access.maxGrantSeconds).toBe(172_800);
  });

  it.each([
    [{ DATABASE_URL: undefined }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ PORT: '70000' }, 'PORT'],
    [{ JITGATE_REQUEST_TTL: 'soon' }, 'JITGATE_REQUEST_TTL'],
    [{ JITGATE_BOOTSTRAP_TOKEN: 'short' }, 'JITGATE_BOOTSTRAP_TOKEN'],
    [{ JITGATE_OIDC_ISSUERS: 'not json' }, 'JITGATE_OIDC_ISSUERS'],
    [{ JITGATE_REDIS_PREFIX: 'a:b' }, 'JITGATE_REDIS_PREFIX'],
  ])('rejects %j naming %s', (override, variable) => {
    let error: unknown;
    try {
      parseConfig({ ...minimal, ...override });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.some((p) => p.startsWith(variable))).toBe(true);
  });

  it('never echoes a value in its errors', () => {
    const secret = 'jg_short-secret-value';
    try {
      parseConfig({ ...minimal, JITGATE_BOOTSTRAP_TOKEN: secret });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
