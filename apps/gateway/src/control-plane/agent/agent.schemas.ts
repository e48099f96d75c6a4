import { z } from 'zod';
import { agentGroup, agentName, labels } from '@jitgate/contracts';

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
    includeRevoked: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const revokeAgentBody = z.object({ reason: z.string().max(1000).default('') }).strict();

export type RegisterAgentBody = z.output<typeof registerAgentBody>;
export type ListAgentsQuery = z.output<typeof listAgentsQuery>;
export type RevokeAgentBody = z.output<typeof revokeAgentBody>;
