// The Postgres demo's database roles (docs/security.md, "Scope roles"): what the agent logs in as
// on jitgate_demo_shop. Neither is a superuser, neither owns anything, and each holds exactly the
// privileges the demo needs, set again on every start: the read-write role reads and writes the
// demo's rows (no DDL: DROP is impossible in the database itself, not only blocked by the
// gateway), the read-only role only reads them, so a read-only grant cannot write whatever the
// gateway's parser makes of a statement. Their passwords are generated once and kept in .data/
// (mode 0600), and set on the roles on every start, so a wiped .data/ only means new passwords.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readSecret, writeSecret } from './dev-secrets.mjs';

/** The roles, the variable the agent reads each password from, and the file that keeps it. */
export const SHOP_ROLES = {
  readWrite: { name: 'jitgate_demo_shop_rw', env: 'DEMO_SHOP_DB_PASSWORD', file: 'demo-shop-rw-password', tables: 'SELECT, INSERT, UPDATE, DELETE' },
  readOnly: { name: 'jitgate_demo_shop_ro', env: 'DEMO_SHOP_RO_DB_PASSWORD', file: 'demo-shop-ro-password', tables: 'SELECT' },
};
const TABLES = ['customers', 'orders'];
/** Attributes a demo role must never have: each lets a session reach past its privileges. */
const PRIVILEGED = ['rolsuper', 'rolcreaterole', 'rolcreatedb', 'rolreplication', 'rolbypassrls'];

/** Each role's password from `dataDir`, generated (and kept) when missing. */
export async function rolePasswords(dataDir, roles = SHOP_ROLES) {
  const out = {};
  for (const role of Object.values(roles)) {
    const file = path.join(dataDir, role.file);
    let password = await readSecret(file);
    if (!password) {
      password = randomBytes(24).toString('base64url');
      await writeSecret(file, password);
    }
    out[role.name] = password;
  }
  return out;
}

/**
 * Creates the roles when missing, refuses to go on when one has a privileged attribute (someone
 * changed it: dropping it gives the demo's back), sets the passwords, and grants exactly the
 * demo's privileges, taking away anything else granted on the tables or the schema. Run as the
 * database URL's user, who owns the demo's tables and needs CREATEROLE. Returns the names of the
 * roles it created. `roles` is SHOP_ROLES but in tests (roles are the whole server's).
 */
export async function ensureShopRoles(repo, databaseUrl, passwords, log, roles = SHOP_ROLES) {
  const pg = createRequire(path.join(repo, 'packages', 'db', 'package.json'))('pg');
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  const created = [];
  try {
    const database = client.escapeIdentifier((await client.query('select current_database() as d')).rows[0].d);
    for (const role of Object.values(roles)) {
      const name = client.escapeIdentifier(role.name);
      const { rows } = await client.query(`select ${PRIVILEGED.join(', ')} from pg_catalog.pg_roles where rolname = $1`, [role.name]);
      if (rows.length === 0) {
        await client.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
        created.push(role.name);
        log(`created role ${role.name} (${role.tables} on the demo's tables)`);
      } else {
        const held = PRIVILEGED.filter((attribute) => rows[0][attribute]);
        if (held.length > 0) throw new Error(`role ${role.name} exists with ${held.join(', ')}: the demo's roles must have none (DROP ROLE ${role.name}, and the next start creates it again)`);
      }
      await client.query(`ALTER ROLE ${name} WITH LOGIN PASSWORD ${client.escapeLiteral(passwords[role.name])}`);
    }
    const names = Object.values(roles).map((role) => client.escapeIdentifier(role.name));
    await client.query('BEGIN');
    // Nobody but the owner creates objects in the demo database: not in public (granted to
    // PUBLIC before PostgreSQL 15), not in a session's temporary schema either.
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await client.query(`REVOKE TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM ${names.join(', ')}`);
    await client.query(`REVOKE ALL ON SCHEMA public FROM ${names.join(', ')}`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${names.join(', ')}`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${names.join(', ')}`);
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${names.join(', ')}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${names.join(', ')}`);
    for (const role of Object.values(roles)) await client.query(`GRANT ${role.tables} ON ${TABLES.join(', ')} TO ${client.escapeIdentifier(role.name)}`);
    await client.query('COMMIT');
    return created;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`setting up the demo's database roles failed (${why}); the demo needs a database user who owns jitgate_demo_shop and may create roles (CREATEROLE)`);
  } finally {
    await client.end();
  }
}
