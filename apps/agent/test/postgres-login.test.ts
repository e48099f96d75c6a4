// The agent's postgres login against a real server (a throwaway cluster from
// @jitgate/pgwire/testing) configured against it: the database and the role default the settings
// that change how SQL is read the wrong way, a schema earlier in the client's search_path offers
// its own pg_roles, current_setting and `=`, and the read-only role has its own password. The
// agent must log in as the role the session's scope picks, pin the settings, open read-only
// sessions read-only, and report who it really is, while the answer to its own query never
// reaches the client.
import { create } from '@bufbuild/protobuf';
import type { Duplex } from 'node:stream';
import { READ_ONLY_SESSION_PARAMETER } from '@jitgate/contracts';
import { BackendType, decodeDataRow, encodeQuery, MessageReader, type PgMessage } from '@jitgate/pgwire';
import { startTestCluster, type TestCluster } from '@jitgate/pgwire/testing';
import { ConnectionAssignmentSchema } from '@jitgate/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCredentialProvider } from '../src/credentials/credential-provider.js';
import { postgresDialer } from '../src/targets/postgres-dialer.js';
import { TargetDialError, type DialedTarget } from '../src/targets/target-dialer.js';

const PASSWORDS: Record<string, string> = { SHOP_RW_PASSWORD: 'rw-only-the-agent-knows', SHOP_RO_PASSWORD: 'ro-only-the-agent-knows', SHOP_ADMIN_PASSWORD: 'admin-only-the-agent-knows', WRONG: 'not-it' };
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster([
    { name: 'shop_rw', password: PASSWORDS['SHOP_RW_PASSWORD']!, method: 'scram-sha-256' },
    { name: 'shop_ro', password: PASSWORDS['SHOP_RO_PASSWORD']!, method: 'scram-sha-256' },
    { name: 'shop_admin', password: PASSWORDS['SHOP_ADMIN_PASSWORD']!, method: 'scram-sha-256' },
  ]);
  await cluster.psql(`
    CREATE TABLE stock (sku text PRIMARY KEY, qty integer);
    INSERT INTO stock VALUES ('A-1', 7);
    GRANT SELECT, UPDATE ON stock TO shop_rw;
    GRANT SELECT ON stock TO shop_ro;
    ALTER ROLE shop_admin SUPERUSER;
    ALTER DATABASE postgres SET standard_conforming_strings = off;
    ALTER ROLE shop_rw SET client_encoding = 'LATIN1';
    ALTER ROLE shop_rw SET default_transaction_read_only = off;
    CREATE SCHEMA evil;
    CREATE VIEW evil.pg_roles AS SELECT * FROM pg_catalog.pg_roles WHERE false;
    CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'on'::text $$;
    CREATE FUNCTION evil.never(name, name) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
    CREATE OPERATOR evil.= (LEFTARG = name, RIGHTARG = name, FUNCTION = evil.never);
    GRANT USAGE ON SCHEMA evil TO PUBLIC;
    GRANT SELECT ON evil.pg_roles TO PUBLIC;`);
});
afterAll(async () => {
  await cluster?.stop();
});

const dialer = postgresDialer(new LocalCredentialProvider({ readEnv: (name) => PASSWORDS[name] }));

function assignment(settings: Record<string, unknown> = {}, credentialRef = 'env:SHOP_RW_PASSWORD') {
  return create(ConnectionAssignmentSchema, {
    name: 'shop',
    type: 'postgres',
    settingsJson: JSON.stringify({ host: cluster.host, port: cluster.port, database: 'postgres', user: 'shop_rw', sslmode: 'disable', ...settings }),
    credentialRef,
  });
}
const withReadOnlyRole = { scopes: { 'read-only': { user: 'shop_ro', credentialRef: 'env:SHOP_RO_PASSWORD' } } };
// What a hostile client could ask for; the gateway would refuse the encoding, the agent pins it anyway.
const hostileParameters = { search_path: 'evil, pg_catalog', client_encoding: 'SJIS', DateStyle: 'ISO, DMY' };

const dial = (settings: Record<string, unknown>, scope: string, clientParameters: Record<string, string> = hostileParameters, credentialRef?: string) =>
  dialer.dial(assignment(settings, credentialRef), { signal: new AbortController().signal, timeoutMs: 10_000, scope, clientParameters, grantExpiresAtUnixMs: Date.now() + 60_000 });

/** Reads messages from the socket until `count` ReadyForQuery have come. */
function readUntilReady(socket: Duplex, count: number): Promise<PgMessage[]> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    const out: PgMessage[] = [];
    let ready = 0;
    const onData = (chunk: Buffer): void => {
      reader.push(chunk);
      for (let m = reader.next(); m; m = reader.next()) {
        out.push({ ...m, body: Buffer.from(m.body), raw: Buffer.from(m.raw) });
        if (m.type === BackendType.ReadyForQuery && ++ready === count) {
          socket.off('data', onData);
          socket.pause();
          return resolve(out);
        }
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.resume();
  });
}

/** What the client reads first, then the one row of `sql`, as text. */
async function loginThenQuery(target: DialedTarget, sql: string): Promise<{ login: PgMessage[]; row: Array<string | null> }> {
  const login = await readUntilReady(target.socket, 1);
  target.socket.write(encodeQuery(sql));
  const answer = await readUntilReady(target.socket, 1);
  const error = answer.find((m) => m.type === BackendType.ErrorResponse);
  if (error) throw new Error(`query failed: ${error.body.toString('latin1')}`);
  const data = answer.find((m) => m.type === BackendType.DataRow);
  return { login, row: data ? decodeDataRow(data.body).map((v) => (v === null ? null : v.toString('utf8'))) : [] };
}

const SESSION_SQL = "SELECT current_user::text, pg_catalog.current_setting('transaction_read_only'), pg_catalog.current_setting('standard_conforming_strings'), pg_catalog.current_setting('client_encoding')";

describe("the agent's postgres login", () => {
  it('read-write: the connection user, pinned settings whatever the database and role say, and a true report', async () => {
    const target = await dial(withReadOnlyRole, '');
    try {
      expect(target.postgresLogin).toEqual({ role: 'shop_rw', superuser: false, createRole: false, bypassRls: false, replication: false, readOnly: false, memberOfPrivileged: false });
      const { login, row } = await loginThenQuery(target, SESSION_SQL);
      expect(row).toEqual(['shop_rw', 'off', 'on', 'UTF8']);
      // The client reads the login's words only: the answer to the agent's own query stays with it.
      expect(new Set(login.map((m) => String.fromCharCode(m.type)))).toEqual(new Set(['S', 'Z']));
      expect(login.filter((m) => m.type === BackendType.ReadyForQuery)).toHaveLength(1);
    } finally {
      target.socket.destroy();
    }
  });

  it("read-only grant scope: the connection's read-only role, in a read-only server session", async () => {
    const target = await dial(withReadOnlyRole, 'read-only');
    try {
      expect(target.postgresLogin).toMatchObject({ role: 'shop_ro', superuser: false, readOnly: true });
      expect((await loginThenQuery(target, SESSION_SQL)).row).toEqual(['shop_ro', 'on', 'on', 'UTF8']);
    } finally {
      target.socket.destroy();
    }
  });

  it("the gateway's read-only parameter with one credential: the connection user, in a read-only server session that overrides ALTER ROLE … SET", async () => {
    const target = await dial({}, '', { ...hostileParameters, [READ_ONLY_SESSION_PARAMETER]: 'on', default_transaction_read_only: 'off' });
    try {
      expect(target.postgresLogin).toMatchObject({ role: 'shop_rw', readOnly: true });
      expect((await loginThenQuery(target, SESSION_SQL)).row).toEqual(['shop_rw', 'on', 'on', 'UTF8']);
    } finally {
      target.socket.destroy();
    }
  });

  it('a superuser is reported as one, whatever the search_path offers in place of the catalog', async () => {
    const target = await dial({ user: 'shop_admin' }, '', hostileParameters, 'env:SHOP_ADMIN_PASSWORD');
    try {
      // A superuser counts as a member of every role (pg_has_role), the bootstrap superuser's too.
      expect(target.postgresLogin).toEqual({ role: 'shop_admin', superuser: true, createRole: false, bypassRls: false, replication: false, readOnly: false, memberOfPrivileged: true });
      // The decoys are really there for an unqualified query.
      expect((await loginThenQuery(target, "SELECT count(*)::text, current_setting('transaction_read_only') FROM pg_roles")).row).toEqual(['0', 'on']);
    } finally {
      target.socket.destroy();
    }
  });

  it("a read-only role's wrong credential fails the session: never the read-write login instead", async () => {
    const error = await dial({ scopes: { 'read-only': { user: 'shop_ro', credentialRef: 'env:WRONG' } } }, 'read-only').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetDialError);
    expect((error as Error).message).toBe("the server refused the agent's login (SQLSTATE 28P01)");
  });

  it('lists every credential a connection may use, for the check at connect time', () => {
    expect(dialer.credentialRefs?.(assignment(withReadOnlyRole))).toEqual(['env:SHOP_RW_PASSWORD', 'env:SHOP_RO_PASSWORD']);
    expect(dialer.credentialRefs?.(assignment())).toEqual(['env:SHOP_RW_PASSWORD']);
  });
});
