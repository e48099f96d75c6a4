import { describe, expect, it } from 'vitest';
import { approverEligibility } from './approvers.js';
import type { IdentityKind } from './types.js';

type Approver = { id: string; kind: IdentityKind; groups: string[] };
const request = { requesterId: 'alice', approverGroups: ['db-leads', 'sre'] };

describe('approverEligibility', () => {
  it.each<[string, Approver, typeof request, string | null]>([
    ['a human in an approver group', { id: 'bob', kind: 'human', groups: ['sre'] }, request, null],
    ['a human in several groups, one of them an approver group', { id: 'bob', kind: 'human', groups: ['eng', 'db-leads'] }, request, null],
    ['a service identity, even in an approver group', { id: 'ci', kind: 'service', groups: ['sre'] }, request, 'service_identity'],
    ['the requester, even in an approver group', { id: 'alice', kind: 'human', groups: ['sre'] }, request, 'own_request'],
    ['a human in no approver group', { id: 'bob', kind: 'human', groups: ['eng'] }, request, 'not_in_approver_group'],
    ['a human with no groups', { id: 'bob', kind: 'human', groups: [] }, request, 'not_in_approver_group'],
    ['anyone when the request names no approver groups', { id: 'bob', kind: 'human', groups: ['sre'] }, { requesterId: 'alice', approverGroups: [] }, 'not_in_approver_group'],
    ['a group that only matches as a prefix', { id: 'bob', kind: 'human', groups: ['sre-oncall'] }, request, 'not_in_approver_group'],
    ['a group that differs in case', { id: 'bob', kind: 'human', groups: ['SRE'] }, request, 'not_in_approver_group'],
    ['a service identity approving its own request (service wins)', { id: 'alice', kind: 'service', groups: [] }, request, 'service_identity'],
    ['the requester outside the groups (own request wins)', { id: 'alice', kind: 'human', groups: [] }, request, 'own_request'],
  ])('%s', (_label, approver, req, code) => {
    const result = approverEligibility(approver, req);
    if (code === null) expect(result).toEqual({ ok: true });
    else expect(result).toMatchObject({ ok: false, code });
  });

  it('refuses an unknown identity kind as if it were a service', () => {
    const approver = { id: 'bob', kind: 'robot' as IdentityKind, groups: ['sre'] };
    expect(approverEligibility(approver, request)).toMatchObject({ ok: false, code: 'service_identity' });
  });

  it('names the approver groups in the reason', () => {
    const result = approverEligibility({ id: 'bob', kind: 'human', groups: [] }, request);
    expect(result.ok ? '' : result.reason).toContain('db-leads, sre');
  });
});
