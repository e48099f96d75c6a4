// The registry's indexes and its memory of ends heard (live-sessions.ts), with stand-in sessions:
// what matters here is which sessions are closed, and when.
import { describe, expect, it, vi } from 'vitest';
import { CloseReason } from '@jitgate/proto';
import type { LiveSession, LiveSessionInfo } from './live-session.js';
import { LiveSessions, type SessionEnding } from './live-sessions.js';

let serial = 0;
function session(over: Partial<LiveSessionInfo> = {}): LiveSession & { close: ReturnType<typeof vi.fn> } {
  serial += 1;
  const info = { id: `s${serial}`, grantId: 'g1', identityId: 'i1', tokenId: 't1', admissionStartedAt: performance.now(), ...over } as LiveSessionInfo;
  return { info, isEnded: false, close: vi.fn() } as unknown as LiveSession & { close: ReturnType<typeof vi.fn> };
}
const ending: SessionEnding = { reason: CloseReason.NOT_PERMITTED, message: 'gone', override: { reason: 'token_revoked' } };

describe('LiveSessions', () => {
  it('ends the sessions of one token, one identity or one grant, and no others', () => {
    const live = new LiveSessions();
    const a = session({ tokenId: 't1' });
    const b = session({ tokenId: 't2' });
    const oidc = session({ tokenId: null, identityId: 'i2', grantId: 'g2' });
    for (const s of [a, b, oidc]) expect(live.add(s)).toBe(true);
    expect(live.end('token', 't1', ending)).toBe(1);
    expect(a.close).toHaveBeenCalledWith(CloseReason.NOT_PERMITTED, 'gone', { reason: 'token_revoked' });
    expect(b.close).not.toHaveBeenCalled();
    expect(live.end('identity', 'i1', ending)).toBe(2);
    expect(b.close).toHaveBeenCalled();
    expect(oidc.close).not.toHaveBeenCalled();
    expect(live.end('grant', 'g2', ending)).toBe(1);
    expect(oidc.close).toHaveBeenCalled();
    expect(
      live
        .list()
        .map((info) => info.id)
        .sort(),
    ).toEqual([a.info.id, b.info.id, oidc.info.id].sort());
  });

  it('forgets a removed session in every index', () => {
    const live = new LiveSessions();
    const a = session();
    live.add(a);
    live.remove(a);
    expect(live.size).toBe(0);
    expect(live.end('token', 't1', ending) + live.end('identity', 'i1', ending) + live.end('grant', 'g1', ending)).toBe(0);
  });

  it('closes on registration a session admitted before an end this replica heard meanwhile', () => {
    const live = new LiveSessions();
    const admittedBefore = session({ admissionStartedAt: performance.now() - 1 });
    live.end('token', 't1', ending);
    expect(live.add(admittedBefore)).toBe(false);
    expect(admittedBefore.close).toHaveBeenCalledOnce();
    expect(live.hasEnded('token', 't1')).toBe(true);
  });

  it('lets in a session admitted after the end was heard: its own checks read the database after the commit (an identity enabled again)', () => {
    const live = new LiveSessions();
    live.end('identity', 'i1', { ...ending, override: { reason: 'identity_disabled' } });
    const admittedAfter = session({ admissionStartedAt: performance.now() + 1 });
    expect(live.add(admittedAfter)).toBe(true);
    expect(admittedAfter.close).not.toHaveBeenCalled();
  });
});
