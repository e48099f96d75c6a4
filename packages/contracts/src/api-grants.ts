// Grants as a client reads them: GET /v1/grants?active=true (`jitgate grants`) and
// GET /v1/grants/check?connection= (`jitgate connect`, before it dials and while it runs).
import { z } from 'zod';
import { apiTimestamp } from './api-shapes.js';

export const grantSchema = z.object({
  id: z.string(),
  connection: z.string(),
  connectionType: z.string().optional(),
  scope: z.string().nullable(),
  /** `active`, `expired`, `revoked` or `released`; read as text, for display. */
  status: z.string(),
  /** Active, started and not yet expired: what the gateway checks when a session opens. */
  inForce: z.boolean(),
  startsAt: apiTimestamp,
  expiresAt: apiTimestamp,
});
export const grantListSchema = z.object({ items: z.array(grantSchema) });
export type Grant = z.output<typeof grantSchema>;

export const grantCheckSchema = z.object({
  allowed: z.boolean(),
  grantId: z.string().nullable(),
  scope: z.string().nullable(),
  expiresAt: apiTimestamp.nullable(),
});
export type GrantCheck = z.output<typeof grantCheckSchema>;
