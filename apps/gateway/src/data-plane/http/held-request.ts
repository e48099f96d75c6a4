// A request or MCP call held for a human (docs/http.md): the same access-request queue and the
// same polling wait as a held SQL statement (ApprovalHoldService). The wait ends early when
// the caller leaves or the session ends.
import type { ControlPlane } from '../../port/control-plane.port.js';
import type { HeldOutcome } from '../../port/holds.js';

/** The part of the control plane a held HTTP request or tool call needs. */
export type Holds = Pick<ControlPlane, 'hold' | 'waitFor'>;
import type { HttpCallerSession } from './http-caller-sessions.js';

export interface HoldRequest {
  /** What the approver reads: "POST /bigquery/…\nUPDATE …" or "tools/call deploy {…}". */
  statement: string;
  classes: string[];
  rule: { policy: string; rule: string };
}

export async function holdForApproval(approvals: Holds, session: HttpCallerSession, held: HoldRequest, defaultTimeoutSeconds: number, signal: AbortSignal): Promise<HeldOutcome> {
  const { http } = session.guardrails;
  if (!http.approvals) return { requestId: 'none', status: 'denied' };
  const timeoutSeconds = http.approvalTimeoutSeconds ?? defaultTimeoutSeconds;
  const { info } = session.admitted;
  const requestId = await approvals.hold({
    sessionId: info.id,
    identityId: info.identityId,
    identityKind: info.identityKind,
    connectionId: info.connectionId,
    grantId: info.grantId,
    statement: held.statement,
    classes: held.classes,
    rule: held.rule,
    approvals: { count: http.approvals.count, groups: http.approvals.groups },
    timeoutSeconds,
  });
  return approvals.waitFor(requestId, timeoutSeconds, signal);
}
