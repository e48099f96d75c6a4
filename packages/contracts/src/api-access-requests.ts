// POST /v1/access-requests (`jitgate request`) and GET /v1/access-requests/:id (`--wait`): the
// body the gateway accepts, and the answer as a client reads it.
import { z } from 'zod';
import { apiTimestamp } from './api-shapes.js';
import { connectionName } from './names.js';

export const createAccessRequestBody = z
  .object({
    connection: connectionName,
    /** "30m", "1h30m", "2d" or seconds. */
    duration: z.union([z.string().min(1).max(32), z.number().int()]),
    reason: z
      .string()
      .trim()
      .min(1, 'say why you need access')
      .max(1000)
      .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters'),
    /** What the grant allows on the connection, e.g. "read-only"; matched by policy. */
    scope: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:*,/=@ -]+$/, 'letters, digits, spaces and . _ : * , / = @ - only')
      .optional(),
    /** Ask for the grant to start later (ISO 8601). */
    startAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
/** What a client sends. */
export type NewAccessRequest = z.input<typeof createAccessRequestBody>;
/** What the gateway gets after checking it. */
export type CreateAccessRequestBody = z.output<typeof createAccessRequestBody>;

export const ACCESS_REQUEST_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export const accessRequestStatus = z.enum(ACCESS_REQUEST_STATUSES);
export type AccessRequestStatus = z.output<typeof accessRequestStatus>;

export const accessRequestSchema = z.object({
  id: z.string(),
  status: accessRequestStatus,
  connection: z.object({ name: z.string(), type: z.string().optional() }),
  durationSeconds: z.number(),
  scope: z.string().nullable(),
  /** The policy's decision as the gateway stored it; read it with accessRequestDecisionSchema, defensively. */
  decision: z.unknown(),
  requiredApprovals: z.number(),
  approverGroups: z.array(z.string()),
  approvals: z.array(z.object({ approver: z.string(), decision: z.string() })),
  expiresAt: apiTimestamp.nullable(),
  grant: z.object({ id: z.string(), status: z.string(), startsAt: apiTimestamp, expiresAt: apiTimestamp }).nullable(),
});
export type AccessRequest = z.output<typeof accessRequestSchema>;

/** The parts of a stored decision worth showing: the rule that decided and, for a denial, why. */
export const accessRequestDecisionSchema = z.object({
  rule: z.object({ policy: z.string(), rule: z.string() }).nullable().optional(),
  reason: z.string().optional(),
});
