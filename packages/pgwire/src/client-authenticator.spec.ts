// Hand-fed authentication exchanges, including a server that forges its SCRAM signature.
// The server side below follows RFC 5802 section 3 independently of scram.ts.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeAuthentication } from './backend-decoders.js';
import {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationMD5Password,
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
} from './backend-encoders.js';
import { ClientAuthenticator, md5Password } from './client-authenticator.js';
import { PgWireError } from './errors.js';
import { decodePasswordMessage, decodeSASLInitialResponse } from './frontend-decoders.js';
import { saslPrep } from './scram.js';

const auth = (frame: Buffer) => decodeAuthentication(frame.subarray(5));
const PASSWORD = 'correct horse';

function caught(fn: () => unknown): PgWireError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PgWireError) return e;
    throw e;
  }
  throw new Error('expected a PgWireError');
}

/** Runs the SCRAM exchange up to client-final and returns what a correct server would sign. */
function scramToFinal(a: ClientAuthenticator, password = PASSWORD) {
  const first = a.onAuthentication(auth(encodeAuthenticationSASL(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'])))!;
  const init = decodeSASLInitialResponse(first.subarray(5));
  expect(init.mechanism).toBe('SCRAM-SHA-256');
  const clientFirst = init.data!.toString();
  expect(clientFirst).toMatch(/^n,,n=,r=[A-Za-z0-9+/=]+$/);
  const clientFirstBare = clientFirst.slice(3);
  const nonce = clientFirstBare.slice('n=,r='.length) + 'SERVERNONCE';
  const salt = Buffer.from('0123456789abcdef');
  const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=4096`;
  const final = a.onAuthentication(auth(encodeAuthenticationSASLContinue(Buffer.from(serverFirst))))!;
  const clientFinal = final.subarray(5).toString();
  const withoutProof = clientFinal.slice(0, clientFinal.indexOf(',p='));
  expect(withoutProof).toBe(`c=biws,r=${nonce}`);
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const salted = pbkdf2Sync(password, salt, 4096, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientFinal.slice(clientFinal.indexOf(',p=') + 3), 'base64');
  const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return {
    proofValid: createHash('sha256').update(recovered).digest().equals(storedKey),
    serverSignature: createHmac('sha256', serverKey).update(authMessage).digest(),
  };
}

describe('ClientAuthenticator', () => {
  it('answers cleartext with the password and AuthenticationOk with nothing', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    expect(decodePasswordMessage(a.onAuthentication(auth(encodeAuthenticationCleartextPassword()))!.subarray(5))).toBe(PASSWORD);
    expect(a.onAuthentication(auth(encodeAuthenticationOk()))).toBeUndefined();
    expect(a.authenticated).toBe(true);
  });

  it('answers MD5 with md5(md5(password + user) + salt)', () => {
    const a = new ClientAuthenticator({ user: 'alice', password: 'pw' });
    const salt = Buffer.from([1, 2, 3, 4]);
    const sent = decodePasswordMessage(a.onAuthentication(auth(encodeAuthenticationMD5Password(salt)))!.subarray(5));
    const inner = createHash('md5').update('pwalice').digest('hex');
    expect(sent).toBe(
      'md5' +
        createHash('md5')
          .update(Buffer.concat([Buffer.from(inner), salt]))
          .digest('hex'),
    );
    expect(sent).toBe(md5Password('alice', 'pw', salt));
  });

  it('completes SCRAM-SHA-256 with a valid proof and verifies the server signature', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    const { proofValid, serverSignature } = scramToFinal(a);
    expect(proofValid).toBe(true);
    expect(a.onAuthentication(auth(encodeAuthenticationSASLFinal(Buffer.from(`v=${serverSignature.toString('base64')}`))))).toBeUndefined();
    expect(a.onAuthentication(auth(encodeAuthenticationOk()))).toBeUndefined();
    expect(a.authenticated).toBe(true);
  });

  it('refuses a tampered server signature with auth_failed', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    const { serverSignature } = scramToFinal(a);
    serverSignature[0] = serverSignature[0]! ^ 1;
    const e = caught(() => a.onAuthentication(auth(encodeAuthenticationSASLFinal(Buffer.from(`v=${serverSignature.toString('base64')}`)))));
    expect(e.code).toBe('auth_failed');
    expect(e.message).not.toContain(PASSWORD);
  });

  it('refuses AuthenticationOk that skips SASLFinal', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    scramToFinal(a);
    expect(caught(() => a.onAuthentication(auth(encodeAuthenticationOk()))).code).toBe('auth_failed');
  });

  it('refuses a server nonce that does not extend the client nonce', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD, clientNonce: 'abc' });
    a.onAuthentication(auth(encodeAuthenticationSASL(['SCRAM-SHA-256'])));
    const e = caught(() => a.onAuthentication(auth(encodeAuthenticationSASLContinue(Buffer.from('r=xyz123,s=c2FsdA==,i=4096')))));
    expect(e.code).toBe('auth_failed');
  });

  it.each([
    ['missing salt', 'r=abcX,i=4096'],
    ['zero iterations', 'r=abcX,s=c2FsdA==,i=0'],
    ['huge iterations', 'r=abcX,s=c2FsdA==,i=999999999'],
    ['garbage', 'nonsense'],
  ])('refuses a server-first with %s', (_n, msg) => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD, clientNonce: 'abc' });
    a.onAuthentication(auth(encodeAuthenticationSASL(['SCRAM-SHA-256'])));
    expect(caught(() => a.onAuthentication(auth(encodeAuthenticationSASLContinue(Buffer.from(msg))))).code).toBe('protocol_violation');
  });

  it('reports a server-final error attribute as auth_failed', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    scramToFinal(a);
    expect(caught(() => a.onAuthentication(auth(encodeAuthenticationSASLFinal(Buffer.from('e=invalid-proof'))))).code).toBe('auth_failed');
  });

  it('refuses GSS, SSPI, Kerberos and SCRAM-PLUS-only with unsupported_auth', () => {
    for (const c of [2, 7, 9]) {
      const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
      expect(caught(() => a.onAuthentication({ kind: 'other', code: c })).code).toBe('unsupported_auth');
    }
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    expect(caught(() => a.onAuthentication(auth(encodeAuthenticationSASL(['SCRAM-SHA-256-PLUS'])))).code).toBe('unsupported_auth');
  });

  it('refuses methods outside allowedMethods (no downgrade to cleartext)', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD, allowedMethods: ['scram-sha-256'] });
    const e = caught(() => a.onAuthentication(auth(encodeAuthenticationCleartextPassword())));
    expect(e.code).toBe('unsupported_auth');
    expect(caught(() => a.onAuthentication(auth(encodeAuthenticationMD5Password(Buffer.alloc(4))))).code).toBe('unsupported_auth');
    const b = new ClientAuthenticator({ user: 'u', password: PASSWORD, allowedMethods: ['md5'] });
    expect(caught(() => b.onAuthentication(auth(encodeAuthenticationSASL(['SCRAM-SHA-256'])))).code).toBe('unsupported_auth');
  });

  it('refuses messages out of order', () => {
    const a = new ClientAuthenticator({ user: 'u', password: PASSWORD });
    expect(caught(() => a.onAuthentication({ kind: 'sasl-continue', data: Buffer.from('r=x') })).code).toBe('protocol_violation');
    expect(caught(() => a.onAuthentication({ kind: 'sasl-final', data: Buffer.from('v=x') })).code).toBe('protocol_violation');
  });

  it('saslPrep leaves ASCII alone and normalises the rest', () => {
    expect(saslPrep('plain ASCII!')).toBe('plain ASCII!');
    expect(saslPrep('I\u00adX')).toBe('IX');
    expect(saslPrep('a\u00a0b')).toBe('a b');
    expect(saslPrep('\u2168')).toBe('IX');
  });
});
