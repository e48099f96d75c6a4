// Small pieces the REST shapes share.
import { z } from 'zod';

/** A point in time as the API writes it: ISO 8601 in UTC (`2026-11-22T14:05:00.000Z`). Read as any non-empty text. */
export const apiTimestamp = z.string().min(1);
