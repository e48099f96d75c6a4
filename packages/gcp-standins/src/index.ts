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
