// The parts of the gateway's REST answers the CLI reads (apps/gateway/src/*/…presenter.ts).
// Parsed, not cast: an answer of another shape is a clear error, and unknown fields are dropped.
import { z } from 'zod';

const timestamp = z.string().min(1);

export const identitySchema = z.object({
  id: z.string(),
  issuer: z.string(),
  subject: z.string(),
  kind: z.string(),
  displayName: z.string().nullable().optional(),
  groups: z.array(z.string()),
  disabled: z.boolean().optional(),
});

export const grantCheckSchema = z.object({
  allowed: z.boolean(),
  grantId: z.string().nullable(),
  scope: z.string().nullable(),
  expiresAt: timestamp.nullable(),
});

export const grantSchema = z.object({
  id: z.string(),
  connection: z.string(),
  connectionType: z.string().optional(),
  scope: z.string().nullable(),
  status: z.string(),
  inForce: z.boolean(),
  startsAt: timestamp,
  expiresAt: timestamp,
});

export const grantListSchema = z.object({ items: z.array(grantSchema) });

export const accessRequestStatus = z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired']);

export const accessRequestSchema = z.object({
  id: z.string(),
  status: accessRequestStatus,
  connection: z.object({ name: z.string(), type: z.string().optional() }),
  durationSeconds: z.number(),
  scope: z.string().nullable(),
  /** The rule that decided, as the gateway stored it; read defensively (see describeDecision). */
  decision: z.unknown(),
  requiredApprovals: z.number(),
  approverGroups: z.array(z.string()),
  approvals: z.array(z.object({ approver: z.string(), decision: z.string() })),
  expiresAt: timestamp.nullable(),
  grant: z.object({ id: z.string(), status: z.string(), startsAt: timestamp, expiresAt: timestamp }).nullable(),
});

/** GET /v1/connections?name=: only what the CLI needs (the name and the type). */
export const connectionListSchema = z.object({ items: z.array(z.object({ name: z.string(), type: z.string() })) });

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string().optional() }),
});

export type Identity = z.infer<typeof identitySchema>;
export type ConnectionSummary = z.infer<typeof connectionListSchema>['items'][number];
export type GrantCheck = z.infer<typeof grantCheckSchema>;
export type Grant = z.infer<typeof grantSchema>;
export type AccessRequest = z.infer<typeof accessRequestSchema>;
export type AccessRequestStatus = z.infer<typeof accessRequestStatus>;

export interface NewAccessRequest {
  connection: string;
  duration: string;
  reason: string;
  scope?: string;
}
