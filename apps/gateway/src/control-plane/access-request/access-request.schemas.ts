import { z } from 'zod';
import { connectionName } from '../connection/connection.schemas.js';

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

export const decisionBody = z.object({ comment: z.string().max(2000).default('') }).strict();

export const listAccessRequestsQuery = z
  .object({
    status: z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired']).optional(),
    /**
     * queue: requests the caller may decide (the default when status=pending);
     * mine: the caller's own requests (the default otherwise); all: everyone's (admins, auditors).
     */
    view: z.enum(['queue', 'mine', 'all']).optional(),
    connection: connectionName.optional(),
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export type CreateAccessRequestBody = z.output<typeof createAccessRequestBody>;
export type DecisionBody = z.output<typeof decisionBody>;
export type ListAccessRequestsQuery = z.output<typeof listAccessRequestsQuery>;
