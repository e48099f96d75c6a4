// A statement, HTTP request or tool call the data plane holds until approvers decide: what it
// hands the control plane, and what it gets back. The control plane keeps the access request
// (ApprovalHoldService); the data plane only waits.
/**
 * Held statements, requests and tool calls one identity may have waiting at once, across all its
 * sessions: a caller that re-sends a held call in a loop fills approvers' queues otherwise (the
 * pitfall "an identity may not re-request in a loop", docs/http.md).
 */
export const MAX_PENDING_HOLDS = 5;

/** The identity already has MAX_PENDING_HOLDS waiting: nothing is created. */
export class TooManyHeld extends Error {
  constructor() {
    super(`${MAX_PENDING_HOLDS} of your statements or calls are already waiting for approval; wait for their decision`);
  }
}

export interface HeldStatement {
  sessionId: string;
  identityId: string;
  identityKind: 'human' | 'service';
  connectionId: string;
  grantId: string;
  statement: string;
  /** The values it runs with (protocol Bind parameters, as recorded), shown to the approver. */
  parameters?: Array<string | null> | null;
  /** For an EXECUTE: the prepared statements it runs, by name. */
  prepared?: Array<{ name: string; statement: string }>;
  /** The statement classes that held it, and the guardrail that says who decides. */
  classes: string[];
  rule: { policy: string; rule: string };
  approvals: { count: number; groups: string[] };
  timeoutSeconds: number;
}

export type HeldOutcome = { requestId: string; status: 'approved' | 'denied' | 'timed_out' | 'cancelled' };
