// Cloud SQL IAM database authentication, for real against PostgreSQL: the agent's postgres dialer
// logs in as the service account's IAM database user with an access token minted through the
// real IAM Credentials client (against the stand-in) as the password. The throwaway cluster's
// role has that token as its SCRAM password, as Cloud SQL would accept it.
import type { Duplex } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { ConnectionAssignmentSchema } from '@jitgate/proto';
import { MessageReader } from '@jitgate/pgwire';
import { startTestCluster, type TestCluster } from '@jitgate/pgwire/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCredentialProvider } from '../src/credentials/credential-provider.js';
import { SecretValue } from '../src/credentials/secret-value.js';
import { cloudSqlIamUser, CLOUD_SQL_LOGIN_SCOPE, postgresDialer } from '../src/targets/postgres-dialer.js';
import { TargetDialError } from '../src/targets/target-dialer.js';
import { AGENT_SA, PROJECT, READER_SA, SQL_LOGIN, TOKEN_CREATORS, startBrokerHarness, type BrokerHarness } from './support/gcp-broker-harness.js';

const WRITER_SA = `writer@${PROJECT}.iam.gserviceaccount.com`;
const IAM_USER = cloudSqlIamUser(READER_SA);

let h: BrokerHarness;
let cluster: TestCluster;

beforeAll(async () => {
  h = await startBrokerHarness({ tokenCreators: [...TOKEN_CREATORS, { member: AGENT_SA, serviceAccount: WRITER_SA }] });
  cluster = await startTestCluster([{ name: IAM_USER, password: 'replaced-below', method: 'scram-sha-256' }]);
  // Cloud SQL accepts the account's current access token; here the stand-in's deterministic token is the role's password.
  const token = h.google.iam.accessTokenFor(READER_SA, [SQL_LOGIN]);
  await cluster.psql(`SET password_encryption = 'scram-sha-256'; ALTER ROLE "${IAM_USER}" PASSWORD '${token}'`);
});
afterAll(async () => {
  await cluster?.stop();
  await h?.close();
});

function assignment(credentialRef: string, settings: Record<string, unknown> = {}) {
  return create(ConnectionAssignmentSchema, {
    name: 'orders-cloudsql',
    type: 'postgres',
    settingsJson: JSON.stringify({ host: cluster.host, port: cluster.port, database: 'postgres', sslmode: 'disable', ...settings }),
    credentialRef,
  });
}

const dialer = () => postgresDialer(new LocalCredentialProvider({ readEnv: () => undefined, gcp: h.freshBroker() }));
const dialOptions = (grantSeconds: number) => ({
  signal: new AbortController().signal,
  timeoutMs: 10_000,
  scope: '',
  clientParameters: {},
  grantExpiresAtUnixMs: h.clock.now() + grantSeconds * 1000,
});

/** Sends a simple query on a logged-in socket and returns the first column of the first row. */
function queryOne(socket: Duplex, sql: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    let value: string | null = null;
    let sawLoginReady = false;
    const onData = (chunk: Buffer): void => {
      reader.push(chunk);
      for (let m = reader.next(); m; m = reader.next()) {
        const body = Buffer.from(m.body);
        if (m.type === 0x44 /* D */) {
          const length = body.readInt32BE(2);
          value = length < 0 ? null : body.subarray(6, 6 + length).toString('utf8');
        } else if (m.type === 0x45 /* E */) reject(new Error('query failed'));
        else if (m.type === 0x5a /* Z */) {
          // The first ReadyForQuery is the login's, unshifted by the dialer.
          if (!sawLoginReady) {
            sawLoginReady = true;
            const text = Buffer.from(`${sql}\0`);
            const header = Buffer.alloc(5);
            header.writeUInt8(0x51, 0);
            header.writeInt32BE(4 + text.length, 1);
            socket.write(Buffer.concat([header, text]));
          } else {
            socket.off('data', onData);
            resolve(value);
          }
        }
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}

describe('postgres with gcp-sa: (Cloud SQL IAM database authentication)', () => {
  it("logs in as the account's IAM database user with a minted token, bounded by the grant", async () => {
    const before = h.google.iam.calls.length;
    const target = await dialer().dial(assignment(`gcp-sa:${READER_SA}`), dialOptions(90));
    try {
      expect(await queryOne(target.socket, 'SELECT current_user')).toBe(IAM_USER);
    } finally {
      target.socket.destroy();
    }
    expect(h.google.iam.calls.slice(before)).toMatchObject([{ caller: AGENT_SA, name: `projects/-/serviceAccounts/${READER_SA}`, scope: [CLOUD_SQL_LOGIN_SCOPE], lifetimeSeconds: 90, outcome: 'OK' }]);
  });

  it("fails with another account's token (settings.user names the reader, the token is the writer's)", async () => {
    const error = await dialer()
      .dial(assignment(`gcp-sa:${WRITER_SA}`, { user: IAM_USER }), dialOptions(90))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetDialError);
    expect((error as Error).message).toBe("the server refused the agent's login (SQLSTATE 28P01)");
  });

  it('refuses before dialling when the agent may not impersonate the account, without a secret in the message', async () => {
    const error = await dialer()
      .dial(assignment(`gcp-sa:admin@${PROJECT}.iam.gserviceaccount.com`), dialOptions(90))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetDialError);
    expect((error as Error).message).toMatch(/roles\/iam\.serviceAccountTokenCreator/);
    for (const token of h.allTokens()) expect((error as Error).message).not.toContain(token);
  });

  it('refuses when the grant is already over', async () => {
    const error = await dialer()
      .dial(assignment(`gcp-sa:${READER_SA}`), dialOptions(0.5))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/grant ends in less than a second/);
  });

  it("never writes a token to the agent's log, even when one is passed to the logger by mistake", async () => {
    const token = await h.freshBroker().accessToken({ account: READER_SA, grantExpiresAtUnixMs: h.clock.now() + 60_000 });
    h.logger.info({ token: token.value, credential: token.value.reveal(), detail: `${token.value}` }, 'a careless log line');
    h.logger.info({ minted: new SecretValue(token.value.reveal()) }, 'another');
    const log = h.logs.join('');
    expect(log).toContain('minted a service account access token');
    expect(log).toContain('a careless log line');
    expect(h.allTokens().length).toBeGreaterThan(2);
    for (const secret of [...h.allTokens(), h.google.agentKey.json.private_key]) expect(log).not.toContain(secret);
  });
});
