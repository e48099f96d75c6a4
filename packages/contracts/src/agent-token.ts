// Agent tokens (docs/tunnel.md): issued by the gateway when an agent is registered, shown once,
// held by the agent and sent as `authorization: Bearer jga_…` on the tunnel. The prefix keeps
// them apart from the gateway's own tokens (`jg_`): neither kind is accepted where the other belongs.

export const AGENT_TOKEN_PREFIX = 'jga_';
/** The shape an agent accepts: the prefix and 32 to 128 URL-safe characters. The gateway issues 43 (256 random bits, base64url). */
export const AGENT_TOKEN_PATTERN = /^jga_[A-Za-z0-9_-]{32,128}$/;
