// The GCP token broker wired to the real google-auth-library and @google-cloud/iam-credentials
// clients, pointed at the local Google stand-ins (@jitgate/gcp-standins), with a fake clock for
// the broker and the IAM stand-in and the agent's JSON log captured for secret scans.
import * as grpc from '@grpc/grpc-js';
import { startGoogleStandins, type GoogleStandins, type TokenCreatorBinding } from '@jitgate/gcp-standins';
import { GcpTokenBroker } from '../../src/credentials/gcp-token-broker.js';
import { googleAuthIdentity, iamCredentialsApi, type AgentGoogleIdentity } from '../../src/credentials/google-clients.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { FakeClock } from './fake-clock.js';

export const PROJECT = 'proj-12345';
export const AGENT_SA = `jitgate-agent@${PROJECT}.iam.gserviceaccount.com`;
export const READER_SA = `reader@${PROJECT}.iam.gserviceaccount.com`;
export const HOP_SA = `hop-one@${PROJECT}.iam.gserviceaccount.com`;
export const DEEP_SA = `deep-reader@${PROJECT}.iam.gserviceaccount.com`;
export const ADMIN_SA = `admin@${PROJECT}.iam.gserviceaccount.com`;
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
export const BIGQUERY_READONLY = 'https://www.googleapis.com/auth/bigquery.readonly';
export const SQL_LOGIN = 'https://www.googleapis.com/auth/sqlservice.login';
export const BIGQUERY = 'https://www.googleapis.com/auth/bigquery';
export const STORAGE_READ_WRITE = 'https://www.googleapis.com/auth/devstorage.read_write';

export const TOKEN_CREATORS: TokenCreatorBinding[] = [
  { member: AGENT_SA, serviceAccount: READER_SA },
  { member: AGENT_SA, serviceAccount: HOP_SA },
  { member: HOP_SA, serviceAccount: DEEP_SA },
];

export interface BrokerHarness {
  google: GoogleStandins;
  clock: FakeClock;
  logs: string[];
  logger: Logger;
  identity: AgentGoogleIdentity;
  broker: GcpTokenBroker;
  /** A broker on the same clients and clock, with an empty cache. */
  freshBroker(identity?: AgentGoogleIdentity): GcpTokenBroker;
  /** Every token that exists in this test: the agent's own and every minted one. */
  allTokens(): string[];
  close(): Promise<void>;
}

export async function startBrokerHarness(options: { tokenCreators?: TokenCreatorBinding[]; allowedScopes?: string[] } = {}): Promise<BrokerHarness> {
  const clock = new FakeClock(Date.now());
  const google = await startGoogleStandins({
    agentEmail: AGENT_SA,
    tokenCreators: options.tokenCreators ?? TOKEN_CREATORS,
    allowedScopes: options.allowedScopes ?? [CLOUD_PLATFORM, BIGQUERY_READONLY, SQL_LOGIN, BIGQUERY, STORAGE_READ_WRITE],
    now: () => clock.now(),
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'trace', agent: 'edge-1', instance: 'pod-1' }, { write: (line: string) => void logs.push(line) });
  const identity = googleAuthIdentity({ keyFilename: google.keyFile, tokenUrl: google.oauth.tokenUri });
  const iam = iamCredentialsApi({ apiEndpoint: google.iam.host, port: google.iam.port, sslCreds: grpc.credentials.createInsecure(), timeoutMs: 5_000 });
  const freshBroker = (id: AgentGoogleIdentity = identity): GcpTokenBroker => new GcpTokenBroker({ identity: id, iam, clock, logger });
  return {
    google,
    clock,
    logs,
    logger,
    identity,
    broker: freshBroker(),
    freshBroker,
    allTokens: () => [...google.oauth.issuedTokens(), ...google.iam.mintedTokens()],
    close: () => google.close(),
  };
}
