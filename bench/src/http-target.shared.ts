// What the HTTP bench's target process (http-target.main.ts) and the bench share: the service
// accounts and bucket of the `gcs` row, the bodies served, and the lines the process prints.
export const AGENT_SA = 'jitgate-bench-agent@bench-ops.iam.gserviceaccount.com';
export const GCS_SA = 'bench-files@bench-data.iam.gserviceaccount.com';
export const GCS_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';
export const BUCKET = 'bench-bucket';

/** What the target process prints once it listens. */
export interface HttpTargetAddresses {
  plainUrl: string;
  storageUrl: string;
  iamEndpoint: string;
  tokenUri: string;
  keyFile: string;
  /** A token the storage stand-in accepts for GCS_SA, for the direct baseline of the gcs row. */
  directToken: string;
}

export interface HttpTargetStats {
  iamGenerateAccessToken: number;
  oauthTokens: number;
  storageCalls: number;
}

/** A JSON body of about `bytes` bytes: records with text, one e-mail address each, so masking has work. */
export function jsonBody(bytes: number): Buffer {
  const items: Array<{ id: number; name: string; owner: string; note: string }> = [];
  const body = () => JSON.stringify({ kind: 'bench#list', items });
  for (let id = 1; Buffer.byteLength(body()) < bytes; id++) items.push({ id, name: `report-${id}`, owner: `owner${id}@example.com`, note: 'quarterly figures, net 30' });
  return Buffer.from(body());
}

export const BODIES = { small: jsonBody(200), large: jsonBody(64 * 1024) } as const;
