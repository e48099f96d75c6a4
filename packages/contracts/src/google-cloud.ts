// Google Cloud names the gateway stores (connection settings, policy guardrails) and the agent
// mints tokens for (docs/http.md, "Who the token is for").
import { z } from 'zod';

/** `name@project.iam.gserviceaccount.com`: user-managed service accounts only. */
export const GCP_SERVICE_ACCOUNT_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;
export const gcpServiceAccount = z.string().regex(GCP_SERVICE_ACCOUNT_PATTERN, 'a service account e-mail');

export function isGcpServiceAccount(account: string): boolean {
  return GCP_SERVICE_ACCOUNT_PATTERN.test(account);
}

export const gcpProjectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id');

/** The impersonation chain to a target account: IAM Credentials allows at most 9 hops. */
export const gcpDelegates = z.array(gcpServiceAccount).max(9);

export const GOOGLE_API_SCOPE_PREFIX = 'https://www.googleapis.com/auth/';
export const googleApiScope = z
  .string()
  .max(256)
  .regex(/^https:\/\/www\.googleapis\.com\/auth\/[a-z0-9._-]+$/, 'an OAuth scope URL (https://www.googleapis.com/auth/…)');

/** The scopes a data connection's token may carry, after GOOGLE_API_SCOPE_PREFIX: its API's only. */
export const BIGQUERY_SCOPES = ['bigquery', 'bigquery.readonly', 'bigquery.insertdata'] as const;
export const STORAGE_SCOPES = ['devstorage.read_only', 'devstorage.read_write', 'devstorage.full_control'] as const;
