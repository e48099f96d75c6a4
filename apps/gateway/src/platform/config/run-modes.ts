// One image, started as any of three modes (JITGATE_MODE), or all of them (the default, and
// what `pnpm dev` runs):
//   api    — the REST API (/v1, OpenAPI): identities, connections, policies, requests, grants, audit;
//   worker — the BullMQ jobs: grant and request expiry, the sweeper;
//   data   — the data plane: the agents' tunnel, the client, Postgres and HTTP ports, live sessions.
// Every mode serves /healthz, /readyz and /metrics on PORT, and reaches the control plane's state
// through the same PostgreSQL and Redis.
import { z } from 'zod';

export const RUN_MODES = ['api', 'worker', 'data'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const runModesSchema = z
  .string()
  .default('all')
  .transform((value, ctx): RunMode[] => {
    const names = value.split(',').map((name) => name.trim().toLowerCase());
    if (names.length === 1 && names[0] === 'all') return [...RUN_MODES];
    const unknown = names.filter((name) => !(RUN_MODES as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must be "all" or a comma-separated list of ${RUN_MODES.join(', ')} (unknown: ${unknown.map((n) => JSON.stringify(n.slice(0, 32))).join(', ')})` });
      return z.NEVER;
    }
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'names a mode twice' });
      return z.NEVER;
    }
    return RUN_MODES.filter((mode) => names.includes(mode));
  });
