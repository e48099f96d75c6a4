// Connections describe targets; credentials stay with the agent. The settings of each type are
// strict schemas: there is no field where a password or key could be put, and unknown fields
// are refused, so a secret cannot slip into the gateway's database by accident.
import { z } from 'zod';
import { agentGroup, CONNECTION_SETTINGS, CONNECTION_TYPES, connectionName, credentialRef, labels } from '@jitgate/contracts';

const common = {
  agentGroup,
  labels: labels.default({}),
  credentialRef: credentialRef.optional(),
  description: z.string().max(1000).default(''),
};

export const createConnectionBody = z.discriminatedUnion('type', [
  ...CONNECTION_TYPES.map((type) => z.object({ name: connectionName, type: z.literal(type), settings: CONNECTION_SETTINGS[type], ...common }).strict()),
] as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const updateConnectionBody = z
  .object({
    agentGroup: agentGroup.optional(),
    labels: labels.optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    credentialRef: credentialRef.nullable().optional(),
    description: z.string().max(1000).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const listConnectionsQuery = z
  .object({
    type: z.enum(CONNECTION_TYPES).optional(),
    name: connectionName.optional(),
    includeArchived: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();

export interface CreateConnectionBody {
  name: string;
  type: (typeof CONNECTION_TYPES)[number];
  settings: Record<string, unknown>;
  agentGroup: string;
  labels: Record<string, string>;
  credentialRef?: string;
  description: string;
}
export type UpdateConnectionBody = z.output<typeof updateConnectionBody>;
export type ListConnectionsQuery = z.output<typeof listConnectionsQuery>;
