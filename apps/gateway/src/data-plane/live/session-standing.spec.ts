import { describe, expect, it } from 'vitest';
import { lapseOf, type SessionStanding } from './session-standing.js';

const now = new Date('2026-12-01T12:00:00Z');
const later = new Date('2026-12-01T13:00:00Z');
const earlier = new Date('2026-12-01T11:00:00Z');
const ids = { grantId: 'g', identityId: 'i', tokenId: 't' };
const oidc = { ...ids, tokenId: null };
const standing = (over: Partial<SessionStanding> = {}): SessionStanding => ({
  grant: { status: 'active', expiresAt: later },
  identity: { disabled: false },
  token: { revoked: false, expiresAt: later },
  ...over,
});

describe('lapseOf', () => {
  it.each<[string, typeof ids | typeof oidc, SessionStanding | undefined, ReturnType<typeof lapseOf>]>([
    ['everything stands', ids, standing(), undefined],
    ['an OIDC session (no token) whose grant and identity stand', oidc, standing({ token: null }), undefined],
    ['the identity disabled', ids, standing({ identity: { disabled: true } }), { scope: 'identity', id: 'i' }],
    ['the identity disabled, for an OIDC session', oidc, standing({ identity: { disabled: true }, token: null }), { scope: 'identity', id: 'i' }],
    ['the token revoked', ids, standing({ token: { revoked: true, expiresAt: later } }), { scope: 'token', id: 't', why: 'revoked' }],
    ['the token expired', ids, standing({ token: { revoked: false, expiresAt: earlier } }), { scope: 'token', id: 't', why: 'expired' }],
    ['the token expiring this very instant', ids, standing({ token: { revoked: false, expiresAt: now } }), { scope: 'token', id: 't', why: 'expired' }],
    ['the grant revoked', ids, standing({ grant: { status: 'revoked', expiresAt: later } }), { scope: 'grant', id: 'g', status: 'revoked' }],
    ['the grant released', ids, standing({ grant: { status: 'released', expiresAt: later } }), { scope: 'grant', id: 'g', status: 'released' }],
    ['the grant closed as expired', ids, standing({ grant: { status: 'expired', expiresAt: earlier } }), { scope: 'grant', id: 'g', status: 'expired' }],
    ['the grant past its expiry before the job closed it', ids, standing({ grant: { status: 'active', expiresAt: earlier } }), { scope: 'grant', id: 'g', status: 'expired' }],
    ['the identity disabled and the token revoked: the identity says more', ids, standing({ identity: { disabled: true }, token: { revoked: true, expiresAt: later } }), { scope: 'identity', id: 'i' }],
    // Fail closed: what the check cannot read does not stand.
    ['no session row came back', ids, undefined, { scope: 'identity', id: 'i' }],
    ['the identity row is gone', ids, standing({ identity: null }), { scope: 'identity', id: 'i' }],
    ['the token row is gone', ids, standing({ token: null }), { scope: 'token', id: 't', why: 'revoked' }],
    ['the grant row is gone', ids, standing({ grant: null }), { scope: 'grant', id: 'g', status: 'revoked' }],
    ['a grant status it does not know', ids, standing({ grant: { status: 'suspended', expiresAt: later } }), { scope: 'grant', id: 'g', status: 'revoked' }],
  ])('%s', (_case, info, given, expected) => {
    expect(lapseOf(info, given, now)).toEqual(expected);
  });
});
