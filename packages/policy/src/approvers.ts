/** Who may decide a pending request: used both for the approver's queue and for approve/deny. */
import type { IdentityKind } from './types.js';

export type ApproverEligibility = { ok: true } | { ok: false; code: 'service_identity' | 'own_request' | 'not_in_approver_group'; reason: string };

/**
 * Only humans approve (a compromised service token must not be able to grant access), never
 * their own request (four eyes), and only as a member of one of the rule's approver groups
 * (exact names). Checks run in that order; anything unexpected is refused.
 */
export function approverEligibility(approver: { id: string; kind: IdentityKind; groups: string[] }, request: { requesterId: string; approverGroups: string[] }): ApproverEligibility {
  if (approver.kind !== 'human') {
    return { ok: false, code: 'service_identity', reason: 'service identities cannot approve requests' };
  }
  if (approver.id === request.requesterId) {
    return { ok: false, code: 'own_request', reason: 'you cannot decide your own request' };
  }
  const allowed = new Set(request.approverGroups);
  if (!approver.groups.some((g) => allowed.has(g))) {
    const groups = request.approverGroups.length > 0 ? request.approverGroups.join(', ') : '(none)';
    return { ok: false, code: 'not_in_approver_group', reason: `only members of ${groups} can decide this request` };
  }
  return { ok: true };
}
