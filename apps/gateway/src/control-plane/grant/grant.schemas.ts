import { z } from 'zod';
import { connectionName } from '@jitgate/contracts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listGrantsQuery = z
  .object({
    active: bool.optional(),
    status: z.enum(['active', 'expired', 'revoked', 'released']).optional(),
    /** mine (default): the caller's grants; all: everyone's (admins and auditors). */
    view: z.enum(['mine', 'all']).default('mine'),
    identity: z.string().uuid().optional(),
    connection: connectionName.optional(),
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const endGrantBody = z.object({ reason: z.string().max(1000).default('') }).strict();

export const grantCheckQuery = z
  .object({
    connection: connectionName,
    /** Admins may check for another identity; everyone else checks for themselves. */
    identity: z.string().uuid().optional(),
  })
  .strict();

export type ListGrantsQuery = z.output<typeof listGrantsQuery>;
export type EndGrantBody = z.output<typeof endGrantBody>;
export type GrantCheckQuery = z.output<typeof grantCheckQuery>;
