// The HTTP bench's targets, in a child process of their own (so that their CPU does not mix with
// the load generator's, nor the gateway's): a plain HTTP server answering a small JSON body
// (`/small`, ≈ 200 bytes) and a larger one (`/large`, 64 KiB), and for the `gcs` row the Google
// stand-ins of @jitgate/gcp-standins — OAuth token endpoint, IAM Credentials (gRPC) and Cloud
// Storage holding the same two bodies as objects. Prints one JSON line with where they listen;
// answers each line `stats` on stdin with the stand-ins' call counts (minting must happen once,
// not per request). Started by http.setup.ts; not meant to be run by hand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { startGoogleStandins, startStorageStandin, type AccessTokenInfo } from '@jitgate/gcp-standins';
import { AGENT_SA, BODIES, BUCKET, GCS_SA, GCS_SCOPE, type HttpTargetAddresses, type HttpTargetStats } from './http-target.shared.js';

async function main(): Promise<void> {
  const plain = http.createServer((req, res) => {
    const body = req.url === '/large' ? BODIES.large : req.url === '/small' ? BODIES.small : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  // Longer than the gateway's and the agent's idle timeouts: the target never cuts a pooled connection first.
  plain.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));

  const google = await startGoogleStandins({ agentEmail: AGENT_SA, tokenCreators: [{ member: AGENT_SA, serviceAccount: GCS_SA }], allowedScopes: [GCS_SCOPE] });
  const directToken = `ya29.bench-direct-${process.pid}`;
  const direct: AccessTokenInfo = { serviceAccount: GCS_SA, scopes: [GCS_SCOPE], expiresAtMs: Date.now() + 24 * 3600_000 };
  const storage = await startStorageStandin({
    iam: { tokenInfo: (token) => (token === directToken ? direct : google.iam.tokenInfo(token)) },
    buckets: { [BUCKET]: { members: [GCS_SA] } },
  });
  storage.put(BUCKET, 'small.json', BODIES.small, 'application/json');
  storage.put(BUCKET, 'large.json', BODIES.large, 'application/json');

  const addresses: HttpTargetAddresses = {
    plainUrl: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
    storageUrl: storage.url,
    iamEndpoint: `${google.iam.host}:${google.iam.port}`,
    tokenUri: google.oauth.tokenUri,
    keyFile: google.keyFile,
    directToken,
  };
  process.stdout.write(`${JSON.stringify(addresses)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'stats') return;
    const stats: HttpTargetStats = {
      iamGenerateAccessToken: google.iam.calls.filter((c) => c.method === 'GenerateAccessToken' && c.outcome === 'OK').length,
      oauthTokens: google.oauth.calls.length,
      storageCalls: storage.calls.length,
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  const stop = () => {
    plain.closeAllConnections();
    void Promise.allSettled([new Promise((resolve) => plain.close(resolve)), storage.close(), google.close()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[http target] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
