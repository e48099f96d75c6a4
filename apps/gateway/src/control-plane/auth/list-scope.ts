import type { Principal } from '../../port/principal.js';
import { forbidden } from '../../platform/errors/jitgate.error.js';

/** Lists show the caller's own rows; `view=all` shows everyone's, to admins and auditors only. */
export function listsEveryone(caller: Principal, view: string | undefined): boolean {
  if (view !== 'all') return false;
  if (!caller.isAdmin && !caller.isAuditor) throw forbidden('view=all needs the admin or the auditor group');
  return true;
}
