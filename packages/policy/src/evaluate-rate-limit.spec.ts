import { describe, expect, it } from 'vitest';
import { maxRateWindowSeconds } from './compile.js';
import { approval, auto, compile, decide, deny, NOW, outcome } from './evaluate.fixtures.js';

describe('evaluate: rate limits', () => {
  const limited = auto('limited', { rateLimit: { max: 2, window: '1h' } });
  const ago = (ms: number) => new Date(NOW.getTime() - ms);

  it.each<[string, Date[], string]>([
    ['no earlier requests', [], 'auto-approve:limited'],
    ['one earlier request, below the max', [ago(60_000)], 'auto-approve:limited'],
    ['at the max', [ago(60_000), ago(120_000)], 'deny:rate_limited:limited'],
    ['above the max', [ago(1), ago(2), ago(3)], 'deny:rate_limited:limited'],
    ['one just inside the window', [ago(60_000), ago(3_600_000 - 1)], 'deny:rate_limited:limited'],
    ['one exactly at the window edge is outside', [ago(60_000), ago(3_600_000)], 'auto-approve:limited'],
    ['one older than the window', [ago(60_000), ago(7_200_000)], 'auto-approve:limited'],
    ['one at exactly now counts', [ago(60_000), NOW], 'deny:rate_limited:limited'],
    ['one dated after now (clock skew) counts', [ago(60_000), new Date(NOW.getTime() + 5_000)], 'deny:rate_limited:limited'],
  ])('%s', (_label, recentRequests, expected) => {
    expect(outcome(decide([limited], { recentRequests }))).toBe(expected);
  });

  it('explains the limit in the reason', () => {
    const d = decide([limited], { recentRequests: [ago(1), ago(2)] });
    expect(d.effect === 'deny' ? d.reason : '').toBe('rate limited by policy "p" rule "limited": 2 request(s) in the last 1h, at most 2 allowed');
  });

  it('applies the limit of any matching allowing rule, not only the chosen one', () => {
    const rules = [approval('specific', 1, { match: { identity: { groups: ['dba'] } } }), limited];
    expect(outcome(decide(rules, { recentRequests: [ago(1), ago(2)] }))).toBe('deny:rate_limited:limited');
  });

  it('ignores the limit of a rule that does not apply to the duration', () => {
    const rules = [auto('short', { maxDuration: '30m', rateLimit: { max: 1, window: '1d' } }), approval('long')];
    expect(outcome(decide(rules, { request: { durationSeconds: 3600 }, recentRequests: [ago(1)] }))).toBe('require-approval:long');
  });

  it('ignores the limit of a rule that does not match', () => {
    const rules = [auto('svc', { match: { identity: { kinds: ['service'] } }, rateLimit: { max: 1, window: '1d' } }), auto('ok')];
    expect(outcome(decide(rules, { recentRequests: [ago(1)] }))).toBe('auto-approve:ok');
  });

  it('lets a deny win over a rate limit', () => {
    expect(outcome(decide([limited, deny('frozen')], { recentRequests: [ago(1), ago(2)] }))).toBe('deny:denied_by_rule:frozen');
  });

  it('reports the longest window, or 0 without rate limits', () => {
    const compiled = compile({ a: [limited, approval('b', 1, { rateLimit: { max: 5, window: '1d' } })], c: [auto('c')] });
    expect([maxRateWindowSeconds(compiled), maxRateWindowSeconds(compile({ c: [auto('c')] }))]).toEqual([86_400, 0]);
  });
});
