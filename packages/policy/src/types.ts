import type { ConnectionType } from '@jitgate/contracts';
import type { GuardrailSpec } from './guardrails.js';
/** Public shapes of policies, evaluation input and decisions. See README.md for semantics. */

export type IdentityKind = 'human' | 'service';
export const IDENTITY_KINDS = ['human', 'service'] as const satisfies readonly IdentityKind[];

export type Effect = 'deny' | 'auto-approve' | 'require-approval';
export const EFFECTS = ['deny', 'auto-approve', 'require-approval'] as const satisfies readonly Effect[];

/** A policy document as stored in the database (JSON) or written in YAML. */
export interface PolicyDocument {
  rules: RuleSpec[];
  /** What sessions may do once inside (guardrails.ts). */
  guardrails?: GuardrailSpec[];
}

export interface RuleSpec {
  /** Unique within the policy: `[a-z0-9][a-z0-9._-]{0,62}`. */
  name: string;
  description?: string;
  effect: Effect;
  match?: RuleMatch;
  /** CEL expression that must evaluate to a bool. */
  condition?: string;
  /** Allowing rules only: the rule applies to requests up to this long. */
  maxDuration?: string | number;
  /** Required when effect is require-approval, forbidden otherwise. */
  approvals?: { count: number; groups: string[] };
  /** Allowing rules only: at most `max` requests per identity per connection per `window`. */
  rateLimit?: { max: number; window: string | number };
}

export interface RuleMatch {
  identity?: {
    subjects?: string[];
    kinds?: IdentityKind[];
    groups?: string[];
    attributes?: Record<string, string | string[]>;
  };
  connection?: {
    names?: string[];
    types?: ConnectionType[];
    labels?: Record<string, string | string[]>;
  };
  request?: { scopes?: string[] };
}

export interface EvaluationInput {
  identity: {
    id: string;
    subject: string;
    kind: IdentityKind;
    groups: string[];
    attributes: Record<string, unknown>;
  };
  connection: { name: string; type: ConnectionType; labels: Record<string, string> };
  request: { durationSeconds: number; reason: string; scope: string | null; startAt: Date | null };
  now: Date;
  /**
   * Creation times of this identity's earlier requests for this connection (the caller passes
   * those within `maxRateWindowSeconds(compiled)`).
   */
  recentRequests: Date[];
}

export interface RuleRef {
  policy: string;
  rule: string;
}

export type DenyCode =
  | 'no_matching_rule'
  | 'denied_by_rule'
  | 'rate_limited'
  | 'condition_error'
  /** The evaluation input itself was unusable (e.g. an invalid Date); a caller bug. */
  | 'invalid_input';

export type Decision =
  | { effect: 'deny'; rule: RuleRef | null; code: DenyCode; reason: string }
  | { effect: 'auto-approve'; rule: RuleRef; maxDurationSeconds: number | null }
  | {
      effect: 'require-approval';
      rule: RuleRef;
      approvals: { count: number; groups: string[] };
      maxDurationSeconds: number | null;
    };
