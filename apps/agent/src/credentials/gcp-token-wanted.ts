// Which Google token a connection's sessions need, from its settings (read with @jitgate/contracts'
// CONNECTION_SETTINGS_READERS; the agent uses only these fields):
//   bigquery, gcs → an access token with `scopes`, by default the narrow scope of that API
//                   (docs/http.md "At the agent"); these tokens go only to Google's API endpoint
//                   of the type (http-target.ts), never to a URL a connection names;
//   cloudrun, mcp → an ID token for `audience` (default: the `url`'s origin), bound to the
//                   service it is sent to.
// `targetServiceAccount` travels along: it must match a `gcp-sa:` reference, and names whom
// `gcp-adc` impersonates; `delegates` is the impersonation chain.
// postgres (Cloud SQL IAM login) is the postgres dialer's business: sqlservice.login, no settings.
import { CONNECTION_SETTINGS_READERS, type ConnectionSettings } from '@jitgate/contracts';
import { CredentialError } from './credential-error.js';
import type { GcpTokenWanted } from './credential-provider.js';

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
export const STORAGE_READ_WRITE_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

type AccessTokenType = 'bigquery' | 'gcs';
type IdTokenType = 'cloudrun' | 'mcp';

/** Types whose tokens are access tokens, and the scopes they get when settings name none. */
export const DEFAULT_SCOPES_BY_TYPE: ReadonlyMap<string, readonly string[]> = new Map<AccessTokenType, readonly string[]>([
  ['bigquery', [BIGQUERY_SCOPE]],
  ['gcs', [STORAGE_READ_WRITE_SCOPE]],
]);
/** Types whose tokens are ID tokens. */
export const GCP_ID_TOKEN_TYPES: ReadonlySet<string> = new Set<IdTokenType>(['cloudrun', 'mcp']);

const isIdTokenType = (type: string): type is IdTokenType => GCP_ID_TOKEN_TYPES.has(type);
const isAccessTokenType = (type: string): type is AccessTokenType => DEFAULT_SCOPES_BY_TYPE.has(type);

export function gcpTokenWantedFor(type: string, settingsJson: string): GcpTokenWanted {
  let raw: unknown;
  try {
    raw = JSON.parse(settingsJson);
  } catch {
    throw new CredentialError('invalid_ref', 'connection settings are not valid JSON');
  }
  if (isIdTokenType(type)) {
    const parsed = CONNECTION_SETTINGS_READERS[type].safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', `${type} settings need a url (and optionally audience, targetServiceAccount, delegates)`);
    const { url, audience, targetServiceAccount, delegates: chain }: ConnectionSettings[IdTokenType] = parsed.data;
    return { kind: 'id', audience: audience ?? new URL(url).origin, includeEmail: true, targetServiceAccount, delegates: chain };
  }
  const defaultScopes = DEFAULT_SCOPES_BY_TYPE.get(type);
  if (defaultScopes && isAccessTokenType(type)) {
    const parsed = CONNECTION_SETTINGS_READERS[type].safeParse(raw);
    if (!parsed.success) throw new CredentialError('invalid_ref', `${type} settings: targetServiceAccount, scopes or delegates are malformed`);
    const { scopes: wanted, targetServiceAccount, delegates: chain }: ConnectionSettings[AccessTokenType] = parsed.data;
    return { kind: 'access', scopes: wanted && wanted.length > 0 ? wanted : defaultScopes, targetServiceAccount, delegates: chain };
  }
  throw new CredentialError('unsupported', `connection type ${type} takes no Google token`);
}
