// GET /v1/identities/me (`jitgate whoami`), as a client reads it: unknown fields are dropped.
import { z } from 'zod';

export const identitySchema = z.object({
  id: z.string(),
  issuer: z.string(),
  subject: z.string(),
  /** `human` or `service`. */
  kind: z.string(),
  displayName: z.string().nullable().optional(),
  groups: z.array(z.string()),
  disabled: z.boolean().optional(),
});
export type Identity = z.output<typeof identitySchema>;
