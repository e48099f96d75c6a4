// How a checked statement is carried out (pg-client-messages.ts): run, refused in its place by
// a stand-in the server rejects (ServerMessages turns its error into the refusal), or held for a
// human who sees exactly what will run (the statement, its parameter values, the prepared
// statements an EXECUTE names) and whose approval runs it once. Each outcome is recorded.
import { randomBytes } from 'node:crypto';
import type { SessionEventInput } from '../../port/session-event-chain.js';
import type { Refusal } from './pg-server-messages.js';
import type { StatementVerdict } from './pg-statement-guard.js';

/** `refused`: no request was created (the identity has too many waiting); the message says so. */
export type HeldDecision = { requestId: string; status: 'approved' | 'denied' | 'timed_out' | 'cancelled' } | { requestId: null; status: 'refused'; message: string };

/** What an approver is shown: exactly what runs if they approve. */
export interface HoldRequest {
  statement: string;
  parameters: Array<string | null> | null;
  classes: string[];
  reason: string;
  /** For an EXECUTE: the prepared statements it runs. */
  prepared: Array<{ name: string; statement: string }>;
}

export interface DecisionDeps {
  record(event: SessionEventInput): void;
  /** Holds a statement for approval: resolves with the human's decision (or the time-out). */
  hold(request: HoldRequest): Promise<HeldDecision>;
  /** Marks a stand-in's nonce with the refusal the client must see instead of its error. */
  refuse(nonce: string, refusal: Refusal): void;
  wall(): Date;
}

export class StatementDecisions {
  constructor(private readonly deps: DecisionDeps) {}

  /** Runs, refuses or holds by the verdict; a promise while a human decides. */
  apply(sql: string, parameters: Array<string | null> | null, verdict: StatementVerdict, run: () => void, refuse: (refusal: Refusal, rule: string) => void): void | Promise<void> {
    switch (verdict.action) {
      case 'allow':
        if (verdict.flagged) this.flagged(sql, verdict.flagged);
        return run();
      case 'block':
        return refuse(refusalOf(verdict), verdict.rule);
      case 'approve':
        return this.deps.hold({ statement: sql, parameters, classes: verdict.classes, reason: verdict.reason, prepared: verdict.prepared }).then((decision) => {
          if (decision.status === 'refused') {
            this.deps.record({ at: this.deps.wall(), kind: 'blocked', statement: sql, outcome: 'blocked', details: { reason: decision.message, classes: verdict.classes } });
            return refuse({ sqlstate: '53400', message: `jitgate: ${decision.message}`, detail: verdict.reason }, 'approval');
          }
          this.deps.record({
            at: this.deps.wall(),
            kind: 'approval',
            statement: sql,
            parameters,
            outcome: decision.status === 'cancelled' ? 'denied' : decision.status,
            details: { requestId: decision.requestId, classes: verdict.classes },
          });
          if (decision.status === 'approved') return run();
          const why = decision.status === 'denied' ? 'was denied' : decision.status === 'timed_out' ? 'was not decided in time' : 'was withdrawn';
          refuse({ sqlstate: '42501', message: `jitgate: the statement needs approval, and approval request ${decision.requestId} ${why}`, detail: verdict.reason }, 'approval');
        });
    }
  }

  /** Let through although the parser could not read it (`unparseable: flag`): recorded so. */
  flagged(sql: string, note: string): void {
    this.deps.record({ at: this.deps.wall(), kind: 'flagged', statement: sql, outcome: 'info', details: { note } });
  }

  /** Records the refusal and returns the text of a statement the server can only reject, whose error becomes it. */
  standIn(sql: string, refusal: Refusal, rule: string): string {
    this.deps.record({ at: this.deps.wall(), kind: 'blocked', statement: sql, outcome: 'blocked', details: { rule, reason: refusal.message } });
    const nonce = randomBytes(8).toString('hex');
    this.deps.refuse(nonce, refusal);
    return `jitgate_refused_${nonce}`;
  }
}

/** What the client reads for a blocked statement. */
export function refusalOf(verdict: Extract<StatementVerdict, { action: 'block' }>): Refusal {
  return { sqlstate: verdict.sqlstate ?? '42501', message: `jitgate: ${verdict.reason}` };
}
