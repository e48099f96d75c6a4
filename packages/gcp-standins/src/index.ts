// Local stand-ins for the Google endpoints the agent (and later the gateway) talks to, for tests:
// the OAuth token endpoint a service-account key posts to, and the IAM Credentials API.
export { createServiceAccountKey, type ServiceAccountKey, type ServiceAccountKeyFile } from './service-account-key.js';
export {
  signIdToken,
  startOAuthTokenStandin,
  type IssuedAccessToken,
  type OAuthClientKey,
  type OAuthTokenCall,
  type OAuthTokenStandin,
  type OAuthTokenStandinOptions,
} from './oauth-token-standin.js';
export {
  loadIamCredentialsService,
  startIamCredentialsStandin,
  type IamCall,
  type IamCredentialsStandin,
  type IamCredentialsStandinOptions,
  type TokenCreatorBinding,
} from './iam-credentials-standin.js';
export { startGoogleStandins, type GoogleStandins, type GoogleStandinsOptions } from './google-standins.js';
// HTTP stand-ins of the Google APIs that `bigquery` and `gcs` connections reach; they accept
// only live access tokens the IAM stand-in minted (its `tokenInfo`), with the right scopes.
export { AccessTokenRegistry, type AccessTokenInfo } from './access-token-registry.js';
export { GoogleApiError, type GoogleApiCall, type TokenIntrospector } from './google-api-http.js';
export { BIGQUERY_READ_ONLY_SCOPE, BIGQUERY_SCOPE, startBigQueryStandin, type BigQueryStandin, type BigQueryStandinOptions, type BigQueryStatement } from './bigquery-standin.js';
export type { BigQueryField, BigQueryTable, BigQueryValue, StatementKind } from './bigquery-sql.js';
export { startStorageStandin, type StorageBucketOptions, type StorageStandin, type StorageStandinOptions } from './storage-standin.js';
export { Crc32c } from './crc32c.js';
