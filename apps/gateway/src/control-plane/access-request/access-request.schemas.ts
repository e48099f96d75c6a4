import { z } from 'zod';
import { ACCESS_REQUEST_STATUSES, connectionName } from '@jitgate/contracts';

export const decisionBody = z.object({ comment: z.string().max(2000).default('') }).strict();

export const listAccessRequestsQuery = z
  .object({
    status: z.enum(ACCESS_REQUEST_STATUSES).optional(),
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

export type DecisionBody = z.output<typeof decisionBody>;
export type ListAccessRequestsQuery = z.output<typeof listAccessRequestsQuery>;
