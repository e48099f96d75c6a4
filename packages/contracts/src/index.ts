// What two jitgate processes must agree on — the gateway and the agent, the gateway and the CLI —
// in one package both import (README.md). One file per contract.
export { AGENT_TOKEN_PATTERN, AGENT_TOKEN_PREFIX } from './agent-token.js';
export {
  ACCESS_REQUEST_STATUSES,
  accessRequestDecisionSchema,
  accessRequestSchema,
  accessRequestStatus,
  createAccessRequestBody,
  type AccessRequest,
  type AccessRequestStatus,
  type CreateAccessRequestBody,
  type NewAccessRequest,
} from './api-access-requests.js';
export { connectionListSchema, connectionSummarySchema, type ConnectionSummary } from './api-connections.js';
export { apiErrorBodySchema, ERROR_CODES, ERROR_STATUS, isErrorCode, type ApiErrorBody, type ErrorCode } from './api-errors.js';
export { grantCheckSchema, grantListSchema, grantSchema, type Grant, type GrantCheck } from './api-grants.js';
export { identitySchema, type Identity } from './api-identities.js';
export { apiTimestamp } from './api-shapes.js';
export {
  formatHandshakeOk,
  formatHandshakeRefusal,
  formatHandshakeRequest,
  HANDSHAKE_CODES,
  HANDSHAKE_PROTOCOL,
  HANDSHAKE_REFUSALS,
  isHandshakeCode,
  MAX_HANDSHAKE_ANSWER_BYTES,
  MAX_HANDSHAKE_REQUEST_BYTES,
  MAX_REFUSAL_MESSAGE_LENGTH,
  parseHandshakeAnswer,
  parseHandshakeRequest,
  type HandshakeAnswer,
  type HandshakeCode,
  type HandshakeRefusalAnswer,
  type HandshakeRequest,
  type HandshakeStatus,
} from './client-handshake.js';
export {
  CONNECTION_SETTINGS,
  CONNECTION_SETTINGS_READERS,
  unbracketedHost,
  type ConnectionSettings,
  type PostgresSettings,
} from './connection-settings.js';
export { CONNECTION_TYPES, HTTP_CONNECTION_TYPES, isConnectionType, isHttpConnectionType, type ConnectionType, type HttpConnectionType } from './connection-types.js';
export { CREDENTIAL_ENV_NAME_PATTERN, credentialRef } from './credential-ref.js';
export { DEFAULT_PORTS } from './default-ports.js';
export {
  BIGQUERY_SCOPES,
  gcpDelegates,
  gcpProjectId,
  gcpServiceAccount,
  GCP_SERVICE_ACCOUNT_PATTERN,
  GOOGLE_API_SCOPE_PREFIX,
  googleApiScope,
  isGcpServiceAccount,
  STORAGE_SCOPES,
} from './google-cloud.js';
export {
  AGENT_HTTP_ERRORS,
  HTTP_REFUSAL_CODES,
  isAgentHttpErrorCode,
  JITGATE_ERROR_HEADER,
  JITGATE_HEADER_PREFIX,
  type AgentHttpErrorCode,
  type HttpRefusalCode,
} from './http-errors.js';
export { HTTP_ROUTE_PREFIX, httpRoutePath, parseHttpRoute, type HttpRoute } from './http-route.js';
export { agentGroup, agentName, connectionName, isConnectionName, LABEL_KEY_PATTERN, labels, MAX_LABEL_VALUE_LENGTH, MAX_LABELS, NAME_PATTERN } from './names.js';
export { READ_ONLY_SCOPE } from './read-only-scope.js';
export {
  GATEWAY_PARAMETER_PREFIX,
  GCP_ACCOUNT_PARAMETER,
  GCP_SCOPES_PARAMETER,
  READ_ONLY_PARAMETER_VALUE,
  READ_ONLY_SESSION_PARAMETER,
} from './session-parameters.js';
