import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileMasker } from './masker.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SERVICE_ACCOUNT = {
  type: 'service_account',
  project_id: 'demo-project',
  private_key_id: '0123456789abcdef0123456789abcdef01234567',
  private_key: PEM,
  client_email: 'jitgate@demo-project.iam.gserviceaccount.com',
  client_id: '100000000000000000001',
  token_uri: 'https://oauth2.googleapis.com/token',
};

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const jwt = (header: unknown, payload: unknown, signature = b64url('not-a-real-signature')): string => `${b64url(header)}.${b64url(payload)}.${signature}`;
const JWT = jwt({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, { sub: 'alice@example.com', exp: 1_800_000_000 });

describe('gcp_private_key detector', () => {
  const masker = compileMasker({ columns: [], detectors: ['gcp_private_key'] });

  it('masks a PKCS#8 PEM block and keeps the text around it', () => {
    expect(PEM.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const r = masker.scanText(`key:\n${PEM}trailer`);
    expect(r).toEqual({ text: 'key:\n[REDACTED:gcp_private_key]\ntrailer', hits: ['gcp_private_key'] });
  });

  it('masks a PKCS#1 block too', () => {
    const rsa = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(masker.scanText(rsa)?.text).toBe('[REDACTED:gcp_private_key]\n');
  });

  it('masks a truncated block to the end of the text (fail closed)', () => {
    const truncated = PEM.slice(0, 200);
    expect(masker.scanText(`x ${truncated}`)?.text).toBe('x [REDACTED:gcp_private_key]');
  });

  it('masks the private_key value of a service-account key file stored as JSON text', () => {
    for (const text of [JSON.stringify(SERVICE_ACCOUNT), JSON.stringify(SERVICE_ACCOUNT, null, 2)]) {
      const r = masker.scanText(text);
      expect(r?.hits).toEqual(['gcp_private_key']);
      const parsed = JSON.parse(r!.text) as typeof SERVICE_ACCOUNT;
      expect(parsed.private_key).toBe('[REDACTED:gcp_private_key]');
      expect(parsed.client_email).toBe(SERVICE_ACCOUNT.client_email);
      expect(r!.text).not.toContain('MII');
    }
  });

  it.each([['-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----'], ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'], ['{"private_key_id":"abc"}'], ['the private_key is in the vault']])(
    'leaves %j alone',
    (text) => {
      expect(masker.scanText(text)).toBeUndefined();
    },
  );
});

describe('jwt detector', () => {
  const masker = compileMasker({ columns: [], detectors: ['jwt'] });

  it.each([
    [JWT],
    [`Bearer ${JWT}`],
    [jwt({ alg: 'none' }, { sub: 'x' }, '')], // unsecured JWT: empty signature
    [jwt({ alg: 'HS256' }, { a: 1 })],
  ])('masks %s', (text) => {
    const r = masker.scanText(text);
    expect(r?.hits).toEqual(['jwt']);
    expect(r?.text).toBe(text.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/, '[REDACTED:jwt]'));
  });

  it.each([
    ['eyJhbGciOi.eyJzdWIi.sig'], // header does not decode to JSON
    [jwt({ typ: 'JWT' }, { sub: 'x' })], // no alg
    [jwt({ alg: 5 }, { sub: 'x' })], // alg not a string
    [`${b64url({ alg: 'RS256' })}.`], // two segments only
    [`${JWT}.${b64url('x')}.${b64url('y')}`], // five segments: JWE, not a JWS
    ['eyJ'],
    ['xeyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2ln'], // glued to a letter
  ])('leaves %s alone', (text) => {
    expect(masker.scanText(text)).toBeUndefined();
  });
});
