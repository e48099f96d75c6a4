// Where the agent finds a connection's credential. The gateway stores the reference, never the
// value; the agent resolves it in the customer's network (apps/agent/README.md).
import { z } from 'zod';

/** The variable of `env:NAME`. */
export const CREDENTIAL_ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,127}$/;

/**
 * `env:NAME`, `file:/mounted/secret/path`, `gcp-adc` (Application Default Credentials) or
 * `gcp-sa:<account>` (impersonated). A reference, not a value.
 */
export const credentialRef = z
  .string()
  .max(512)
  .regex(new RegExp(`^(env:${CREDENTIAL_ENV_NAME_PATTERN.source.slice(1, -1)}|file:/[^\\s\\u0000]{1,500}|gcp-adc|gcp-sa:[^\\s]{3,300})$`), 'env:NAME, file:/path, gcp-adc or gcp-sa:<service account>');
