import type { AccessRequestDetail } from './access-request.repository.js';

export function presentAccessRequest(request: AccessRequestDetail) {
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    requester: request.requester,
    connection: request.connection,
    durationSeconds: request.durationSeconds,
    reason: request.reason,
    scope: request.scope,
    // kind = statement: the held statement and the session waiting for it.
    sessionId: request.sessionId,
    statement: request.statement,
    parameters: request.parameters ?? null,
    startAt: request.startAt,
    decision: request.decision,
    requiredApprovals: request.requiredApprovals,
    approverGroups: request.approverGroups,
    approvals: request.approvals.map((a) => ({
      approverId: a.approverId,
      approver: a.approver.subject,
      decision: a.decision,
      comment: a.comment,
      at: a.createdAt,
    })),
    expiresAt: request.expiresAt,
    decidedAt: request.decidedAt,
    createdAt: request.createdAt,
    grant: request.grant,
  };
}
