// GET /v1/connections?name= (any authenticated identity may look connections up), as
// `jitgate connect` and `jitgate request` read it: only the name and the type.
import { z } from 'zod';

export const connectionSummarySchema = z.object({ name: z.string(), type: z.string() });
export const connectionListSchema = z.object({ items: z.array(connectionSummarySchema) });
export type ConnectionSummary = z.output<typeof connectionSummarySchema>;
