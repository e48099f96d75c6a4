import { z } from 'zod';
import { connectionName } from '@jitgate/contracts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listSessionsQuery = z
  .object({
    /** mine (default): the caller's sessions; all: everyone's (admins and auditors). */
    view: z.enum(['mine', 'all']).default('mine'),
    /** With view=all: one identity's sessions. */
    identity: z.string().uuid().optional(),
    grant: z.string().uuid().optional(),
    connection: connectionName.optional(),
    agent: z.string().uuid().optional(),
    /** Only sessions that have not ended. */
    active: bool.optional(),
    /** Page on: the `next` of the previous page (sessions come newest first). */
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export type ListSessionsQuery = z.output<typeof listSessionsQuery>;

export const listSessionEventsQuery = z
  .object({
    /** Page on: events after this sequence number (events come in order, oldest first). */
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    kind: z.enum(['statement', 'request', 'blocked', 'approval', 'notice', 'flagged', 'error']).optional(),
  })
  .strict();

export type ListSessionEventsQuery = z.output<typeof listSessionEventsQuery>;
