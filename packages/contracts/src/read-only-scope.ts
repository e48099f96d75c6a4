// The one grant scope with a meaning of its own: its sessions are read-only. Policies resolve it
// to read-only guardrails, the gateway opens its Postgres sessions read-only, the agent logs
// them in as the connection's read-only role (docs/postgres.md, "Scope on the server").
export const READ_ONLY_SCOPE = 'read-only';
