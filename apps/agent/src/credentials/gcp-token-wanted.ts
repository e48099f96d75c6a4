// Which Google token a connection's sessions need, from its settings (the gateway's
// connection.schemas.ts defines them; the agent reads only these fields and ignores the rest):
//   bigquery, gcs → an access token with `scopes`, by default the narrow scope of that API
//                   (docs/http.md "At the agent"); these tokens go only to Google's API endpoint
//                   of the type (http-target.ts), never to a URL a connection names;
//   cloudrun, mcp → an ID token for `audience` (default: the `url`'s origin), bound to the
//                   service it is sent to.
// `targetServiceAccount` travels along: it must match a `gcp-sa:` reference, and names whom
// `gcp-adc` impersonates; `delegates` is the impersonation chain.
// postgres (Cloud SQL IAM login) is the postgres dialer's business: sqlservice.login, no settings.
import { z } from 'zod';
import { CredentialError } from './credential-error.js';
import type { GcpTokenWanted } from './credential-provider.js';

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
export const STORAGE_READ_WRITE_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

/** Types whose tokens are access tokens, and the scopes they get when settings name none. */
export const DEFAULT_SCOPES_BY_TYPE: ReadonlyMap<string, readonly string[]> = new Map([
  ['bigquery', [BIGQUERY_SCOPE]],
  ['gcs', [STORAGE_READ_WRITE_SCOPE]],
]);
/** Types whose tokens are ID tokens. */
export const GCP_ID_TOKEN_TYPES: ReadonlySet<string> = new Set(['cloudrun', 'mcp']);

const account = z.string().min(3).max(300);
const scopes = z.array(z.string().min(1).max(256)).max(16);
const delegates = z.array(account).max(9);

const accessSettings = z.object({ targetServiceAccount: account.optional(), scopes: scopes.optional(), delegates: delegates.optional() });
const idSettings = z.object({ url: z.string().url().max(2048), audience: z.string().min(1).max(2048).optional(), targetServiceAccount: account.optional(), delegates: delegates.optional() });

export function gcpTokenWantedFor(type: string, settingsJson: string): GcpTokenWanted {
  let raw: unknown;
  try {
    raw = JSON.parse(settingsJson);
  } catch {
    throw new CredentialError('invalid_ref', 'connection settings are not valid JSON');
  }
  if (GCP_ID_TOKEN_TYPES.has(type)) {
    const parsed = idSettings.safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', `${type} settings need a url (and optionally audience, targetServiceAccount, delegates)`);
    const { url, audience, targetServiceAccount, delegates: chain } = parsed.data;
    return { kind: 'id', audience: audience ?? new URL(url).origin, includeEmail: true, targetServiceAccount, delegates: chain };
  }
  const defaultScopes = DEFAULT_SCOPES_BY_TYPE.get(type);
  if (defaultScopes) {
    const parsed = accessSettings.safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', `${type} settings: targetServiceAccount, scopes or delegates are malformed`);
    const { scopes: wanted, targetServiceAccount, delegates: chain } = parsed.data;
    return { kind: 'access', scopes: wanted && wanted.length > 0 ? wanted : defaultScopes, targetServiceAccount, delegates: chain };
  }
  throw new CredentialError('unsupported', `connection type ${type} takes no Google token`);
}
