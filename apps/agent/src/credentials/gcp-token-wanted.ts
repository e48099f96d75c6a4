// Which Google token a connection's sessions need, from its settings (the gateway's
// connection.schemas.ts defines them; the agent reads only these fields and ignores the rest):
// bigquery, gcs, mcp → an access token with `scopes` (default cloud-platform); cloudrun → an ID
// token for `audience` (default: the service URL's origin). `targetServiceAccount` travels along:
// it must match a `gcp-sa:` reference, and names whom `gcp-adc` impersonates.
// postgres (Cloud SQL IAM login) is the postgres dialer's business: sqlservice.login, no settings.
import { z } from 'zod';
import { CredentialError } from './credential-error.js';
import type { GcpTokenWanted } from './credential-provider.js';

const account = z.string().min(3).max(300);
const scopes = z.array(z.string().min(1).max(256)).max(16);
const delegates = z.array(account).max(9);

const accessSettings = z.object({ targetServiceAccount: account.optional(), scopes: scopes.optional(), delegates: delegates.optional() });
const idSettings = z.object({ url: z.string().url().max(2048), audience: z.string().min(1).max(2048).optional(), targetServiceAccount: account.optional(), delegates: delegates.optional() });

export const GCP_ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['bigquery', 'gcs', 'mcp']);

export function gcpTokenWantedFor(type: string, settingsJson: string): GcpTokenWanted {
  let raw: unknown;
  try {
    raw = JSON.parse(settingsJson);
  } catch {
    throw new CredentialError('invalid_ref', 'connection settings are not valid JSON');
  }
  if (type === 'cloudrun') {
    const parsed = idSettings.safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', 'cloudrun settings need a url (and optionally audience, targetServiceAccount)');
    const { url, audience, targetServiceAccount, delegates: chain } = parsed.data;
    return { kind: 'id', audience: audience ?? new URL(url).origin, includeEmail: true, targetServiceAccount, delegates: chain };
  }
  if (GCP_ACCESS_TOKEN_TYPES.has(type)) {
    const parsed = accessSettings.safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', `${type} settings: targetServiceAccount, scopes or delegates are malformed`);
    const { scopes: wanted, targetServiceAccount, delegates: chain } = parsed.data;
    return { kind: 'access', scopes: wanted, targetServiceAccount, delegates: chain };
  }
  throw new CredentialError('unsupported', `connection type ${type} takes no Google token`);
}
