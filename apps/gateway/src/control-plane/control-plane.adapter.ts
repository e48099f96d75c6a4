// The control plane's side of port/control-plane.port.ts: each call is one service's method.
// Here is the only place the data plane's needs meet the control plane's services.
import { Inject, Injectable } from '@nestjs/common';
import type { Connection } from '@jitgate/db';
import type { CompiledPolicies } from '@jitgate/policy';
import type { AgentRecord, ControlPlane, GrantInForce } from '../port/control-plane.port.js';
import type { HeldOutcome, HeldStatement } from '../port/holds.js';
import type { Principal } from '../port/principal.js';
import type { ClosedSession, OpenedSession } from '../port/session-records.js';
import { ApprovalHoldService } from './access-request/approval-hold.service.js';
import { AgentService } from './agent/agent.service.js';
import { AuthenticatorService } from './auth/authenticator.service.js';
import { ConnectionRepository } from './connection/connection.repository.js';
import { GrantService } from './grant/grant.service.js';
import { PolicyService } from './policy/policy.service.js';
import { SessionRecorder } from './session/session-recorder.js';

@Injectable()
export class ControlPlaneAdapter implements ControlPlane {
  constructor(
    @Inject(AuthenticatorService) private readonly authenticator: AuthenticatorService,
    @Inject(ConnectionRepository) private readonly connectionRows: ConnectionRepository,
    @Inject(GrantService) private readonly grants: GrantService,
    @Inject(PolicyService) private readonly policies: PolicyService,
    @Inject(ApprovalHoldService) private readonly approvals: ApprovalHoldService,
    @Inject(AgentService) private readonly agents: AgentService,
    @Inject(SessionRecorder) private readonly recorder: SessionRecorder,
  ) {}

  authenticate(token: string): Promise<Principal> {
    return this.authenticator.authenticate(token);
  }

  connection(name: string): Promise<Connection | null> {
    return this.connectionRows.findByName(name);
  }

  connections(names: string[]): Promise<Connection[]> {
    return this.connectionRows.findByNames(names);
  }

  async grantInForce(identityId: string, connectionName: string): Promise<GrantInForce | null> {
    return (await this.grants.check(identityId, connectionName)).grant;
  }

  guardrails(): Promise<CompiledPolicies> {
    return this.policies.compiled();
  }

  hold(held: HeldStatement): Promise<string> {
    return this.approvals.hold(held);
  }

  waitFor(requestId: string, timeoutSeconds: number, signal: AbortSignal): Promise<HeldOutcome> {
    return this.approvals.waitFor(requestId, timeoutSeconds, signal);
  }

  authenticateAgent(token: string): Promise<AgentRecord> {
    return this.agents.authenticate(token);
  }

  agentSeen(agentId: string, version?: string): Promise<void> {
    return this.agents.recordSeen(agentId, version);
  }

  sessionOpened(session: OpenedSession): Promise<void> {
    return this.recorder.opened(session);
  }

  sessionClosed(session: ClosedSession): Promise<void> {
    return this.recorder.closed(session);
  }
}
