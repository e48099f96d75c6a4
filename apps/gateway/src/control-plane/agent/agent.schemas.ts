import { z } from 'zod';
import { agentGroup, labels } from '../connection/connection.schemas.js';

/** The name an agent gives in Hello; lower case so that it reads the same in logs and URLs. */
export const agentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-", at most 63, starting with a letter or digit');

export const registerAgentBody = z
  .object({
    name: agentName,
    agentGroup,
    labels: labels.default({}),
  })
  .strict();

export const listAgentsQuery = z
  .object({
    group: agentGroup.optional(),
    includeRevoked: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const revokeAgentBody = z.object({ reason: z.string().max(1000).default('') }).strict();

export type RegisterAgentBody = z.output<typeof registerAgentBody>;
export type ListAgentsQuery = z.output<typeof listAgentsQuery>;
export type RevokeAgentBody = z.output<typeof revokeAgentBody>;
