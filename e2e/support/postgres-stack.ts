// A data path for postgres sessions, as real processes (postgres/postgres.*.test.ts): the
// DataPathStack (gateway, agent) plus a target database on the machine's PostgreSQL seeded with
// customers whose rows hold e-mail addresses, card numbers and phone numbers, a `postgres`
// connection "shop" to it whose password the agent holds (env:SHOP_DB_PASSWORD), a policy that
// auto-approves it with the suite's guardrails, and real clients: node-postgres and psql.
// The agent logs in as the suite's own role, which owns the target database and its tables and
// is nothing more: no superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS (docs/security.md).
// A suite that truly needs a superuser says so with `agentAsSuperuser` and why.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createConnection, eventually } from '@jitgate/testkit';
import { AGENT_GROUP, DataPathStack, FOREIGN_CONNECTION } from './data-path-stack.js';

export const SHOP = 'shop';
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const SEED_SQL = `
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, card_number text, phone text, notes text, balance integer NOT NULL DEFAULT 0);
INSERT INTO customers (name, email, card_number, phone, notes, balance) VALUES
  ('Ada Lovelace', 'ada@example.com', '4111 1111 1111 1111', '+44 20 7946 0958', 'prefers e-mail: ada.l@example.org', 120),
  ('Alan Turing', 'alan@example.com', '5555-5555-5555-4444', '+1 415 555 0100', 'no notes', 80),
  ('Grace Hopper', 'grace@example.com', '378282246310005', '+1 212 555 0199', 'SSN on file 123-45-6789', 300);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer REFERENCES customers(id), total numeric(10,2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
INSERT INTO orders (customer_id, total) SELECT 1 + (g % 3), g * 1.5 FROM generate_series(1, 50) g;
`;

/** Another postgres connection the stack's agent serves, under the same auto-approve policy. */
export interface ExtraPostgresConnection {
  name: string;
  settings: Record<string, unknown>;
  credentialRef: string;
}

export interface PostgresStackOptions {
  guardrails?: unknown[];
  gatewayEnv?: Record<string, string>;
  gatewayDatabaseUrl?(url: string): string;
  replicas?: number;
  extraConnections?: ExtraPostgresConnection[];
  /** More environment for the agent (the credentials of the extra connections). */
  agentEnv?: Record<string, string>;
  /** "shop" logs the agent in as the superuser `postgres` instead of the suite's role (say why). */
  agentAsSuperuser?: boolean;
  /** Connections of other types (http, …) the agent serves too, under the same policy. */
  otherConnections?: Array<{ name: string; type: string; settings: Record<string, unknown> }>;
}

/** The suite's own role on the machine's PostgreSQL: owner of its target database, nothing more. */
export function suiteRole(suite: string): string {
  return `jitgate_e2e_${suite.replace(/\W/g, '_')}_${process.pid}`.slice(0, 60);
}

/** The suite's target database (seeded with SEED_SQL, owned by suiteRole). */
export function suiteDatabase(suite: string): string {
  return `jitgate_e2e_target_${suite.replace(/\W/g, '_')}_${process.pid}`;
}

export class PostgresStack {
  private constructor(
    readonly stack: DataPathStack,
    readonly targetDatabase: string,
    /** The role "shop" logs in as (unless the suite asked for the superuser). */
    readonly role: string,
  ) {}

  static async start(suite: string, options: PostgresStackOptions = {}): Promise<PostgresStack> {
    const targetDatabase = suiteDatabase(suite);
    const role = suiteRole(suite);
    await adminQuery(`DROP DATABASE IF EXISTS ${targetDatabase}`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    await adminQuery(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    await adminQuery(`CREATE DATABASE ${targetDatabase} OWNER ${role}`);
    // Seeded by the role itself, so that it owns the tables (as an application's own role would).
    const seed = new pg.Client({ connectionString: urlOf(targetDatabase, role) });
    await seed.connect();
    await seed.query(SEED_SQL);
    await seed.end();
    const extras = options.extraConnections ?? [];
    const others = options.otherConnections ?? [];
    const served = [SHOP, ...extras.map((c) => c.name), ...others.map((c) => c.name)];
    const stack = await DataPathStack.start(suite, {
      replicas: options.replicas,
      gatewayEnv: options.gatewayEnv,
      gatewayDatabaseUrl: options.gatewayDatabaseUrl,
      agentOptions: {
        connections: ['echo', 'pg', FOREIGN_CONNECTION, ...served],
        env: { SHOP_DB_PASSWORD: 'not-needed-with-trust\n', ...options.agentEnv },
      },
      beforeAgent: async (s) => {
        const admin = s.admin();
        await createConnection(admin, SHOP, {
          agentGroup: AGENT_GROUP,
          settings: { host: '127.0.0.1', port: 5432, database: targetDatabase, user: options.agentAsSuperuser ? 'postgres' : role, sslmode: 'disable' },
          credentialRef: 'env:SHOP_DB_PASSWORD',
        });
        for (const extra of extras) await createConnection(admin, extra.name, { agentGroup: AGENT_GROUP, settings: extra.settings, credentialRef: extra.credentialRef });
        for (const other of others) await createConnection(admin, other.name, { type: other.type, agentGroup: AGENT_GROUP, settings: other.settings, credentialRef: undefined });
        const created = await admin.post('/v1/policies', {
          name: 'shop',
          rules: [{ name: 'auto', effect: 'auto-approve', match: { connection: { names: served } }, maxDuration: '24h' }],
          guardrails: options.guardrails ?? [],
        });
        if (created.status !== 201) throw new Error(`policy: ${created.status} ${JSON.stringify(created.body)}`);
      },
    }).catch(async (error: unknown) => {
      await adminQuery(`DROP DATABASE IF EXISTS ${targetDatabase} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
      throw error;
    });
    return new PostgresStack(stack, targetDatabase, role);
  }

  get pgPort(): number {
    return this.stack.gateway.pgPort;
  }

  /** node-postgres through the gateway; the password is the identity's token. */
  client(options: { token?: string; database?: string; replica?: number; user?: string } = {}): pg.Client {
    const gateway = this.stack.gateways[options.replica ?? 0]!;
    const client = new pg.Client({ host: '127.0.0.1', port: gateway.pgPort, database: options.database ?? SHOP, user: options.user ?? 'alice', password: options.token ?? this.stack.alice.token });
    client.on('error', () => {});
    return client;
  }

  /** psql through the gateway: `-c` statements, or a script on stdin. */
  psql(
    args: string[],
    options: { token?: string; input?: string; database?: string; env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'alice', '-d', options.database ?? SHOP, ...args], {
        env: { ...process.env, PGPASSWORD: options.token ?? this.stack.alice.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10', ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      options.onSpawn?.(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  }

  /** A query straight to the target database (what really happened there), as the superuser. */
  direct<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return this.query<R>(urlOf(this.targetDatabase), sql, values);
  }

  /** A query straight to the target database as the suite's role: fixtures it owns, as "shop" does. */
  asOwner<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return this.query<R>(urlOf(this.targetDatabase, this.role), sql, values);
  }

  private async query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[]): Promise<R[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** The recording of a session, in order. */
  async events(sessionId: string): Promise<Array<Record<string, any>>> {
    const response = await this.stack.admin().get(`/v1/sessions/${sessionId}/events?limit=1000`);
    if (response.status !== 200) throw new Error(`events: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items as Array<Record<string, any>>;
  }

  /** The newest postgres sessions on `connection` ("shop"): alice's, or everyone's with `all`. */
  async sessions(options: { all?: boolean; connection?: string } = {}): Promise<Array<Record<string, any>>> {
    const api = options.all ? this.stack.admin() : this.stack.alice.api;
    const response = await api.get(`/v1/sessions?connection=${options.connection ?? SHOP}${options.all ? '&view=all' : ''}`);
    return response.body.items as Array<Record<string, any>>;
  }

  /** The session of a node-postgres client on `connection`, found by the client's local port in its clientAddress. */
  async sessionOf(client: pg.Client, connection = SHOP): Promise<Record<string, any>> {
    const port = (client as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
    return eventually(async () => (await this.sessions({ all: true, connection })).find((s) => String(s.clientAddress).endsWith(`:${port}`)) ?? null);
  }

  async dispose(): Promise<void> {
    await this.stack.dispose();
    await adminQuery(`DROP DATABASE IF EXISTS ${this.targetDatabase} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${this.role}`);
  }
}

/** The admin URL pointed at `database`, as `user` when given (trust on the machine's PostgreSQL). */
export function urlOf(database: string, user?: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
