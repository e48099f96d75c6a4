// Where an HTTP-type connection's requests go and which bearer token they carry
// (docs/http.md "At the agent"):
//
// | type     | target root                       | Authorization                                  |
// | http     | settings.baseUrl                  | env:/file: value; gcp- refused                 |
// | bigquery | the agent's BigQuery endpoint     | gcp- access token (scopes: gcp-token-wanted)   |
// | gcs      | the agent's Cloud Storage endpoint| gcp- access token                              |
// | cloudrun | settings.url                      | gcp- ID token                                  |
// | mcp      | settings.url                      | gcp- ID token, or env:/file: value             |
//
// No credentialRef: no Authorization. Access tokens go only to the Google endpoints, which only
// the agent's own settings can change: a connection registered at the gateway names a URL only
// for types that get an ID token (bound to its audience) or a static value the operator put
// beside the agent for that purpose.
import { CONNECTION_SETTINGS_READERS, GCP_ACCOUNT_PARAMETER, GCP_SCOPES_PARAMETER, isGcpServiceAccount, type HttpConnectionType } from '@jitgate/contracts';
import { CredentialError, parseCredentialRef, type GcpTokenWanted } from '../credentials/credential-provider.js';
import { gcpTokenWantedFor } from '../credentials/gcp-token-wanted.js';
import { parseSettings, TargetDialError } from './target-dialer.js';

/** Google's API origins, or what the agent's settings put in their place (Private Service Connect). */
export interface GoogleApiEndpoints {
  bigquery: string;
  storage: string;
}

export const GOOGLE_API_ENDPOINTS: GoogleApiEndpoints = {
  bigquery: 'https://bigquery.googleapis.com',
  storage: 'https://storage.googleapis.com',
};

export type BearerPlan = { kind: 'none' } | { kind: 'static'; ref: string } | { kind: 'gcp'; ref: string; wanted: GcpTokenWanted };

export interface HttpTarget {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets, as http.request wants it. */
  hostname: string;
  port: number;
  /** The Host header: host, and the port when it is not the scheme's default. */
  host: string;
  origin: string;
  /** The root's path without a trailing slash ('' for the origin itself). */
  basePath: string;
  bearer: BearerPlan;
}

const STATIC_BEARER_TYPES: ReadonlySet<string> = new Set(['http', 'mcp']);

/** The target of `type` for this connection; throws TargetDialError (fit for SessionOpened). */
export function httpTargetFor(type: HttpConnectionType, settingsJson: string, credentialRef: string, endpoints: GoogleApiEndpoints): HttpTarget {
  const root = rootOf(type, settingsJson, endpoints);
  return { ...root, bearer: bearerPlan(type, settingsJson, credentialRef) };
}

function rootOf(type: HttpConnectionType, settingsJson: string, endpoints: GoogleApiEndpoints): Omit<HttpTarget, 'bearer'> {
  switch (type) {
    case 'http':
      return parseRoot(parseSettings(settingsJson, CONNECTION_SETTINGS_READERS.http, 'http connection settings need a baseUrl').baseUrl, 'settings.baseUrl');
    case 'bigquery':
      return parseRoot(endpoints.bigquery, "the agent's BigQuery endpoint");
    case 'gcs':
      return parseRoot(endpoints.storage, "the agent's Cloud Storage endpoint");
    case 'cloudrun':
    case 'mcp':
      return parseRoot(parseSettings(settingsJson, CONNECTION_SETTINGS_READERS[type], `${type} connection settings need a url`).url, 'settings.url');
  }
}

/** An http(s) URL without credentials, query or fragment: the fixed origin and base path of every request. */
export function parseRoot(text: string, what: string): Omit<HttpTarget, 'bearer'> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetDialError(`${what} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetDialError(`${what} must be an http:// or https:// URL`);
  if (url.username || url.password) throw new TargetDialError(`${what} must not carry a user name or password`);
  // A query or fragment on the root would have to be merged with each request's: not supported.
  if (url.search || url.hash) throw new TargetDialError(`${what} must not have a query or fragment`);
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    host: url.host,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

function bearerPlan(type: HttpConnectionType, settingsJson: string, ref: string): BearerPlan {
  if (ref === '') return { kind: 'none' };
  let kind;
  try {
    kind = parseCredentialRef(ref).kind;
  } catch (error) {
    if (error instanceof CredentialError) throw new TargetDialError(`credential ${ref}: ${error.message}`);
    throw error;
  }
  if (kind === 'gcp-sa' || kind === 'gcp-adc') {
    // A gcp- reference on `http` would send Google tokens to any URL a connection names.
    if (type === 'http') throw new TargetDialError(`http connections take no Google credential (${ref}): use a cloudrun or mcp connection for Google-authenticated services`);
    try {
      return { kind: 'gcp', ref, wanted: gcpTokenWantedFor(type, settingsJson) };
    } catch (error) {
      if (error instanceof CredentialError) throw new TargetDialError(`credential ${ref}: ${error.message}`);
      throw error;
    }
  }
  if (!STATIC_BEARER_TYPES.has(type)) throw new TargetDialError(`${type} connections take a gcp-sa: or gcp-adc credential, not ${kind}:`);
  return { kind: 'static', ref };
}

/**
 * The bearer plan with the policy's Google identity applied (docs/http.md, "Who the token is
 * for"): another service account to mint for — Google's IAM decides whether this agent may — and
 * scopes that may only narrow the connection's, never widen them.
 */
export function withPolicyIdentity(plan: BearerPlan, parameters: Readonly<Record<string, string>>): BearerPlan {
  const account = parameters[GCP_ACCOUNT_PARAMETER];
  const scopes = parameters[GCP_SCOPES_PARAMETER]?.split(' ').filter((s) => s.length > 0);
  if (account === undefined && scopes === undefined) return plan;
  if (plan.kind !== 'gcp') throw new TargetDialError('the policy names a Google identity, but this connection takes no Google credential');
  let wanted = plan.wanted;
  if (scopes !== undefined) {
    if (wanted.kind !== 'access') throw new TargetDialError('the policy names scopes, but this connection uses ID tokens');
    const allowed = new Set(wanted.scopes ?? []);
    const wider = scopes.filter((scope) => !allowed.has(scope));
    if (scopes.length === 0 || wider.length > 0) throw new TargetDialError(`the policy asks for scopes the connection does not have (${wider.join(', ') || 'none'}): a policy may only narrow them`);
    wanted = { ...wanted, scopes };
  }
  if (account === undefined) return { ...plan, wanted };
  if (!isGcpServiceAccount(account)) throw new TargetDialError('the policy names a malformed service account');
  return { kind: 'gcp', ref: `gcp-sa:${account}`, wanted: { ...wanted, targetServiceAccount: account } };
}
