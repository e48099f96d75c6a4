import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialError, LocalCredentialProvider, parseCredentialRef } from './credential-provider.js';
import { SecretValue } from './secret-value.js';
import { createTokenSource, TokenFileError } from './token-source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jitgate-agent-cred-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env: Record<string, string> = { DB_PASSWORD: 'hunter2', JITGATE_AGENT_TOKEN: 'jga_x', EMPTY: '' };
const provider = (protectedFiles: string[] = []) => new LocalCredentialProvider({ readEnv: (name) => env[name], protectedFiles });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialError);
    return (error as CredentialError).code;
  }
  throw new Error('expected a CredentialError');
}

describe('parseCredentialRef', () => {
  it.each([
    ['env:DB_PASSWORD', { kind: 'env', name: 'DB_PASSWORD' }],
    ['file:/etc/secrets/pg', { kind: 'file', path: '/etc/secrets/pg' }],
    ['gcp-adc', { kind: 'gcp-adc' }],
    ['gcp-sa:reader@proj-12345.iam.gserviceaccount.com', { kind: 'gcp-sa', account: 'reader@proj-12345.iam.gserviceaccount.com' }],
  ])('%s', (ref, expected) => {
    expect(parseCredentialRef(ref)).toEqual(expected);
  });

  it.each(['', 'env:', 'env:lower', 'file:relative/path', 'file:/a/../etc/shadow', 'vault:kv/x', 'gcp-sa:'])('refuses %j', (ref) => {
    expect(() => parseCredentialRef(ref)).toThrowError(CredentialError);
  });
});

describe('LocalCredentialProvider', () => {
  it('reads env: references at use time', async () => {
    const value = await provider().resolve('env:DB_PASSWORD');
    expect(value.reveal()).toBe('hunter2');
    env.DB_PASSWORD = 'rotated';
    expect((await provider().resolve('env:DB_PASSWORD')).reveal()).toBe('rotated');
    env.DB_PASSWORD = 'hunter2';
  });

  it('reports a missing or empty variable by name, without a value', async () => {
    expect(await codeOf(provider().resolve('env:NOT_SET'))).toBe('missing');
    expect(await codeOf(provider().resolve('env:EMPTY'))).toBe('missing');
    expect(await provider().check('env:NOT_SET')).toEqual({ ok: false, code: 'missing', message: 'environment variable NOT_SET is not set' });
  });

  it('re-reads a file: reference after the file changes (Secret rotation)', async () => {
    const file = join(dir, 'pg-password');
    await writeFile(file, 'first\n');
    expect((await provider().resolve(`file:${file}`)).reveal()).toBe('first');
    await writeFile(file, 'second');
    expect((await provider().resolve(`file:${file}`)).reveal()).toBe('second');
  });

  it('reports missing, empty and directory files', async () => {
    expect(await codeOf(provider().resolve(`file:${join(dir, 'absent')}`))).toBe('missing');
    await writeFile(join(dir, 'empty'), '\n');
    expect(await codeOf(provider().resolve(`file:${join(dir, 'empty')}`))).toBe('missing');
    expect(await codeOf(provider().resolve(`file:${dir}`))).toBe('missing');
  });

  it('refuses gcp references when no GCP token broker is configured', async () => {
    const check = await provider().check('gcp-adc');
    expect(check).toMatchObject({ ok: false, code: 'unsupported' });
    expect(check.ok === false && check.message).toMatch(/not configured on this agent/);
    expect(await codeOf(provider().resolve('gcp-sa:reader@proj-12345.iam.gserviceaccount.com'))).toBe('unsupported');
  });

  it("never hands out the agent's own token, whatever reference the gateway sends", async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'jga_secret');
    expect(await codeOf(provider([tokenFile]).resolve(`file:${tokenFile}`))).toBe('forbidden');
    expect(await codeOf(provider().resolve('env:JITGATE_AGENT_TOKEN'))).toBe('forbidden');
    expect(await codeOf(provider().resolve('file:/proc/self/environ'))).toBe('forbidden');
  });

  it('never lets a message carry the value', async () => {
    const file = join(dir, 'secret-file');
    await writeFile(file, 'TOPSECRET');
    const checks = await Promise.all(['env:DB_PASSWORD', `file:${file}`, 'env:NOT_SET'].map((ref) => provider().check(ref)));
    expect(JSON.stringify(checks)).not.toMatch(/hunter2|TOPSECRET/);
  });
});

describe('SecretValue', () => {
  it('prints as [redacted] in every way a logger might print it', () => {
    const secret = new SecretValue('hunter2');
    expect(`${secret}`).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret })).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2');
  });
});

describe('createTokenSource', () => {
  const token = `jga_${'t'.repeat(43)}`;

  it('re-reads a token file on each read (rotation applies at the next reconnect)', async () => {
    const file = join(dir, 'agent-token');
    await writeFile(file, `${token}\n`);
    const source = createTokenSource({ source: 'file', path: file });
    expect((await source.read()).reveal()).toBe(token);
    const rotated = `jga_${'r'.repeat(43)}`;
    await writeFile(file, rotated);
    expect((await source.read()).reveal()).toBe(rotated);
  });

  it('refuses a file that does not hold a token, without echoing it', async () => {
    const file = join(dir, 'not-a-token');
    await writeFile(file, 'jg_gateway-token-by-mistake');
    const error = await createTokenSource({ source: 'file', path: file })
      .read()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFileError);
    expect((error as Error).message).not.toContain('jg_gateway');
    await expect(createTokenSource({ source: 'file', path: join(dir, 'nope') }).read()).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});
