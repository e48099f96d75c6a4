// The local dev admin's token (README: "pnpm dev makes you the admin"). The gateway makes its
// first admin with JITGATE_BOOTSTRAP_TOKEN when the database has no identity yet and ignores the
// variable otherwise (apps/gateway/src/control-plane/identity/bootstrap.service.ts), so handing it the token
// kept in .data/ is always safe; whether it took is checked once the API answers.
import { whoIs } from './dev-demo.mjs';
import { ADMIN_TOKEN_SHAPE, generateAdminToken, readSecret, removeSecret, writeSecret } from './dev-secrets.mjs';

/** `{token, source}`: the variable's token, the kept one, or a new one (kept at once). */
export async function resolveAdminToken({ fromEnvironment, file, shown, warn }) {
  if (fromEnvironment) return { token: fromEnvironment, source: 'environment' };
  const kept = await readSecret(file);
  if (kept && ADMIN_TOKEN_SHAPE.test(kept)) return { token: kept, source: 'file' };
  if (kept) warn(`${shown} does not hold a jg_… token: replacing it`);
  // Written before the gateway starts: should this script die after the gateway used it, the
  // token is still on disk.
  const token = generateAdminToken();
  await writeSecret(file, token);
  return { token, source: 'generated' };
}

/**
 * Undefined when the gateway takes the token as an admin's; otherwise why not. A token made
 * here that the gateway did not take is deleted, so the next start does not trust it.
 */
export async function adminTokenProblem({ call, admin, file, shown }) {
  const me = await whoIs(call);
  if (me?.isAdmin) return undefined;
  if (me) return `the token in ${shown} belongs to ${me.subject}, who is not an admin`;
  if (admin.source === 'generated') await removeSecret(file);
  return {
    generated: `this database already has identities, so the gateway did not take the new admin token (${shown} was missing)`,
    file: `the gateway does not accept the admin token in ${shown} (made for another database?)`,
    environment: 'the gateway does not accept JITGATE_BOOTSTRAP_TOKEN (the database already had an admin)',
  }[admin.source];
}
