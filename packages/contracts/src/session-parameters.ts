// The parameters of SessionOpen (proto/jitgate/tunnel/v1) that the gateway sets for the agent.
// Names under `jitgate.` are the gateway's own: it drops any a client sends, so the agent can
// trust them; the rest are the client's protocol options, filtered. One more lives with the
// frames it versions: `jitgate.http.session` (HTTP_SESSION_PARAMETER, @jitgate/http-session).

export const GATEWAY_PARAMETER_PREFIX = 'jitgate.';

/** Postgres: the session is opened read-only, whatever the client asked (packages/pgwire, session pins). */
export const READ_ONLY_SESSION_PARAMETER = 'jitgate.read_only';
export const READ_ONLY_PARAMETER_VALUE = 'on';

/** The policy's Google identity for the session (docs/http.md, "Who the token is for"): a service account to mint for. */
export const GCP_ACCOUNT_PARAMETER = 'jitgate.gcp.service_account';
/** …and scopes, space-separated, that may only narrow the connection's. */
export const GCP_SCOPES_PARAMETER = 'jitgate.gcp.scopes';
