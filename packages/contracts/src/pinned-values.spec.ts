// Every constant two processes compare, written out. A change here must be deliberate: the
// gateway and agents (or the CLI) of different versions then disagree (docs/tunnel.md, "Versions").
import { expect, it } from 'vitest';
import * as contracts from './index.js';

it('pins the names, codes and parameters the processes exchange', () => {
  expect({
    CONNECTION_TYPES: contracts.CONNECTION_TYPES,
    HTTP_CONNECTION_TYPES: contracts.HTTP_CONNECTION_TYPES,
    READ_ONLY_SCOPE: contracts.READ_ONLY_SCOPE,
    NAME_PATTERN: contracts.NAME_PATTERN.source,
    LABEL_KEY_PATTERN: contracts.LABEL_KEY_PATTERN.source,
    AGENT_TOKEN_PREFIX: contracts.AGENT_TOKEN_PREFIX,
    AGENT_TOKEN_PATTERN: contracts.AGENT_TOKEN_PATTERN.source,
    CREDENTIAL_ENV_NAME_PATTERN: contracts.CREDENTIAL_ENV_NAME_PATTERN.source,
    GCP_SERVICE_ACCOUNT_PATTERN: contracts.GCP_SERVICE_ACCOUNT_PATTERN.source,
    GOOGLE_API_SCOPE_PREFIX: contracts.GOOGLE_API_SCOPE_PREFIX,
    BIGQUERY_SCOPES: contracts.BIGQUERY_SCOPES,
    STORAGE_SCOPES: contracts.STORAGE_SCOPES,
    GATEWAY_PARAMETER_PREFIX: contracts.GATEWAY_PARAMETER_PREFIX,
    READ_ONLY_SESSION_PARAMETER: contracts.READ_ONLY_SESSION_PARAMETER,
    READ_ONLY_PARAMETER_VALUE: contracts.READ_ONLY_PARAMETER_VALUE,
    GCP_ACCOUNT_PARAMETER: contracts.GCP_ACCOUNT_PARAMETER,
    GCP_SCOPES_PARAMETER: contracts.GCP_SCOPES_PARAMETER,
    HANDSHAKE_PROTOCOL: contracts.HANDSHAKE_PROTOCOL,
    MAX_HANDSHAKE_REQUEST_BYTES: contracts.MAX_HANDSHAKE_REQUEST_BYTES,
    HTTP_ROUTE_PREFIX: contracts.HTTP_ROUTE_PREFIX,
    JITGATE_HEADER_PREFIX: contracts.JITGATE_HEADER_PREFIX,
    JITGATE_ERROR_HEADER: contracts.JITGATE_ERROR_HEADER,
    AGENT_HTTP_ERRORS: contracts.AGENT_HTTP_ERRORS,
    HTTP_REFUSAL_CODES: contracts.HTTP_REFUSAL_CODES,
    ERROR_STATUS: contracts.ERROR_STATUS,
    ACCESS_REQUEST_STATUSES: contracts.ACCESS_REQUEST_STATUSES,
    DEFAULT_PORTS: contracts.DEFAULT_PORTS,
  }).toMatchInlineSnapshot(`
    {
      "ACCESS_REQUEST_STATUSES": [
        "pending",
        "approved",
        "denied",
        "cancelled",
        "expired",
      ],
      "AGENT_HTTP_ERRORS": {
        "bad_request": 400,
        "credential_unavailable": 502,
        "internal": 500,
        "no_grant": 403,
        "target_timeout": 504,
        "target_unreachable": 502,
      },
      "AGENT_TOKEN_PATTERN": "^jga_[A-Za-z0-9_-]{32,128}$",
      "AGENT_TOKEN_PREFIX": "jga_",
      "BIGQUERY_SCOPES": [
        "bigquery",
        "bigquery.readonly",
        "bigquery.insertdata",
      ],
      "CONNECTION_TYPES": [
        "postgres",
        "tcp",
        "http",
        "bigquery",
        "gcs",
        "cloudrun",
        "mcp",
      ],
      "CREDENTIAL_ENV_NAME_PATTERN": "^[A-Z_][A-Z0-9_]{0,127}$",
      "DEFAULT_PORTS": {
        "api": 8080,
        "client": 8444,
        "http": 8480,
        "postgres": 5433,
        "tunnel": 8443,
      },
      "ERROR_STATUS": {
        "bad_request": 400,
        "conflict": 409,
        "forbidden": 403,
        "internal": 500,
        "invalid_json": 400,
        "not_found": 404,
        "payload_too_large": 413,
        "rate_limited": 429,
        "unauthenticated": 401,
        "unavailable": 503,
        "unsupported_media_type": 415,
        "validation_failed": 400,
      },
      "GATEWAY_PARAMETER_PREFIX": "jitgate.",
      "GCP_ACCOUNT_PARAMETER": "jitgate.gcp.service_account",
      "GCP_SCOPES_PARAMETER": "jitgate.gcp.scopes",
      "GCP_SERVICE_ACCOUNT_PATTERN": "^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com$",
      "GOOGLE_API_SCOPE_PREFIX": "https://www.googleapis.com/auth/",
      "HANDSHAKE_PROTOCOL": "JITGATE/1",
      "HTTP_CONNECTION_TYPES": [
        "http",
        "bigquery",
        "gcs",
        "cloudrun",
        "mcp",
      ],
      "HTTP_REFUSAL_CODES": [
        "unauthenticated",
        "no_grant",
        "blocked",
        "denied",
        "approval_timed_out",
        "not_found",
        "bad_request",
        "too_large",
        "rate_limited",
        "too_large_to_mask",
        "unmaskable_body",
        "no_agent",
        "target_unreachable",
        "target_timeout",
        "credential_unavailable",
        "session_ended",
        "unavailable",
        "internal",
      ],
      "HTTP_ROUTE_PREFIX": "/c/",
      "JITGATE_ERROR_HEADER": "x-jitgate-error",
      "JITGATE_HEADER_PREFIX": "x-jitgate-",
      "LABEL_KEY_PATTERN": "^[a-z0-9][a-z0-9._/-]{0,62}$",
      "MAX_HANDSHAKE_REQUEST_BYTES": 40960,
      "NAME_PATTERN": "^[a-z0-9][a-z0-9._-]{0,62}$",
      "READ_ONLY_PARAMETER_VALUE": "on",
      "READ_ONLY_SCOPE": "read-only",
      "READ_ONLY_SESSION_PARAMETER": "jitgate.read_only",
      "STORAGE_SCOPES": [
        "devstorage.read_only",
        "devstorage.read_write",
        "devstorage.full_control",
      ],
    }
  `);
});

it("keeps the agent's HTTP refusals among the codes the gateway answers with", () => {
  for (const code of Object.keys(contracts.AGENT_HTTP_ERRORS)) expect(contracts.HTTP_REFUSAL_CODES).toContain(code);
});

it('keeps the parameters the gateway sets under its own prefix', () => {
  for (const name of [contracts.READ_ONLY_SESSION_PARAMETER, contracts.GCP_ACCOUNT_PARAMETER, contracts.GCP_SCOPES_PARAMETER]) {
    expect(name.startsWith(contracts.GATEWAY_PARAMETER_PREFIX)).toBe(true);
  }
  expect(contracts.JITGATE_ERROR_HEADER.startsWith(contracts.JITGATE_HEADER_PREFIX)).toBe(true);
});

it('accepts the agent tokens the gateway issues (jga_ and 43 base64url characters)', () => {
  expect(contracts.AGENT_TOKEN_PATTERN.test(`${contracts.AGENT_TOKEN_PREFIX}${Buffer.alloc(32, 0xfb).toString('base64url')}`)).toBe(true);
  expect(contracts.AGENT_TOKEN_PATTERN.test(`jg_${'A'.repeat(43)}`)).toBe(false);
});
