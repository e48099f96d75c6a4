// What the data plane may ask of the control plane, and nothing else: who a token is, a
// connection, the grant in force, the guardrails, holding a call for approvers, an agent's
// token, and the records of a session. The data plane imports this port, never a control-plane
// file (src/planes.spec.ts checks the import graph); ends of access come back on the other
// road, port/access-ends.stream.ts.
import type { Agent, Connection, Grant } from '@jitgate/db';
import type { CompiledPolicies } from '@jitgate/policy';
import type { HeldOutcome, HeldStatement } from './holds.js';
import type { Principal } from './principal.js';
import type { ClosedSession, OpenedSession } from './session-records.js';

/** A grant in force, with the names the data plane shows and records. */
export type GrantInForce = Grant & { connection: { name: string; type: string }; identity: { subject: string; kind: string } };

/** An agent as its tunnel knows it (never its token's hash). */
export type AgentRecord = Omit<Agent, 'tokenHash'>;

export interface ControlPlane {
  /**
   * The identity behind a gateway token or an OIDC JWT. Throws JitgateError `unauthenticated`
   * (or `unavailable` when the identity store cannot be read).
   */
  authenticate(token: string): Promise<Principal>;
  /** The connection of that name, archived or not; null when there is none. */
  connection(name: string): Promise<Connection | null>;
  connections(names: string[]): Promise<Connection[]>;
  /** The identity's grant in force on the connection now, or null. */
  grantInForce(identityId: string, connectionName: string): Promise<GrantInForce | null>;
  /** The compiled guardrails of every policy. */
  guardrails(): Promise<CompiledPolicies>;
  /** Holds a statement, request or tool call for approvers; returns its access request id. Throws TooManyHeld. */
  hold(held: HeldStatement): Promise<string>;
  /** The decision on a held call: approved, denied, timed out, or cancelled by `signal`. */
  waitFor(requestId: string, timeoutSeconds: number, signal: AbortSignal): Promise<HeldOutcome>;
  /** The agent behind `authorization: Bearer jga_…`. Throws JitgateError `unauthenticated`. */
  authenticateAgent(token: string): Promise<AgentRecord>;
  /** Best effort: the agent was seen now, at that version. */
  agentSeen(agentId: string, version?: string): Promise<void>;
  /** The session's row and audit event, in one transaction. */
  sessionOpened(session: OpenedSession): Promise<void>;
  /** Ends the session's row with its audit event; a row already ended is left alone. */
  sessionClosed(session: ClosedSession): Promise<void>;
}

export const CONTROL_PLANE = Symbol('ControlPlane');

/** Which sessions this process carries; the control plane's sweeper asks before closing a row. */
export interface LiveSessionIndex {
  has(sessionId: string): boolean;
}

export const LIVE_SESSION_INDEX = Symbol('LiveSessionIndex');
