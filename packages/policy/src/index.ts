/** @jitgate/policy: the pure policy engine (no I/O, no clock, deny by default). See README.md. */
export {
  EFFECTS,
  IDENTITY_KINDS,
  type Decision,
  type DenyCode,
  type Effect,
  type EvaluationInput,
  type IdentityKind,
  type PolicyDocument,
  type RuleMatch,
  type RuleRef,
  type RuleSpec,
} from './types.js';
export { PolicyError, type PolicyErrorCode, type PolicyIssue } from './errors.js';
export { formatDuration, MAX_DURATION_SECONDS, parseDuration } from './duration.js';
export { parsePolicyDocument } from './document.js';
export { parsePolicyFile, type PolicyFileEntry } from './yaml-file.js';
export { compilePolicies, maxRateWindowSeconds, resolveGuardrails, type CompiledPolicies } from './compile.js';
export type {
  DetectorName,
  GuardrailInput,
  GuardrailSpec,
  ResolvedGuardrails,
  StatementClassName,
  BaselineClassName,
} from './guardrails.js';
export type { GcpGuardrailSpec, ResolvedGcp } from './guardrails-gcp.js';
export { evaluate } from './evaluate.js';
export { approverEligibility, type ApproverEligibility } from './approvers.js';
export { SPECIFICITY_WEIGHTS } from './specificity.js';
