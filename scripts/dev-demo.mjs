// The demo `pnpm dev` sets up through the REST API, as the local dev admin, so that the data
// path works from the first start (README: "Through the data path"): a `tcp` connection to the
// PostgreSQL dev uses, served by agent group `local`; a policy that holds requests for it until
// one admin approves; a second admin, `dev-approver`, because nobody approves their own request;
// and a registered agent whose token is kept for the agent process dev.mjs starts.
// Each step finds what an earlier start created and changes only what differs.
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readSecret, removeSecret, writeSecret } from './dev-secrets.mjs';

export const DEMO_CONNECTION = 'dev-postgres';
export const AGENT_GROUP = 'local';
const AGENT_NAME = 'local-agent';
export const APPROVER_SUBJECT = 'dev-approver';
const POLICY_NAME = 'dev';
/** "jga_" and six characters: what the API shows of an agent token (apps/gateway/src/control-plane/agent/agent-token.ts). */
const AGENT_PREFIX_LENGTH = 10;

export class DevApiError extends Error {}

/** A small REST client for the set-up: answers as JSON, errors with the gateway's own message. */
export function devApi(baseUrl, token) {
  return async function call(method, route, body) {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page?): the status and the text say enough
    }
    if (!response.ok) {
      const error = new DevApiError(`${method} ${route} answered ${response.status}: ${json?.error?.message ?? text.slice(0, 200)}`);
      error.status = response.status;
      throw error;
    }
    return json;
  };
}

/** Who the token belongs to, or undefined when the gateway does not accept it (401). */
export async function whoIs(call) {
  try {
    return await call('GET', '/v1/identities/me');
  } catch (error) {
    if (error instanceof DevApiError && error.status === 401) return undefined;
    throw error;
  }
}

/**
 * Creates or updates everything the walkthrough needs; returns the agent to start.
 * `files` names the token files (`approver`, `agent`); `target` is `{host, port}`.
 */
export async function ensureDemo({ call, apiUrl, files, target, adminGroup, log }) {
  await ensureConnection(call, target, log);
  await ensurePolicy(call, adminGroup, log);
  await ensureApprover(call, apiUrl, files.approver, adminGroup, log);
  return ensureAgent(call, files.agent, log);
}

async function ensureConnection(call, target, log) {
  await ensureDemoConnection(
    call,
    {
      name: DEMO_CONNECTION,
      type: 'tcp',
      // The PostgreSQL may have moved (the embedded one picks a free port): followed.
      settings: { host: target.host, port: target.port },
      description: 'The PostgreSQL `pnpm dev` uses, carried byte for byte (created by scripts/dev.mjs)',
      where: `tcp → ${target.host}:${target.port}, agent group ${AGENT_GROUP}`,
    },
    log,
  );
}

/**
 * A demo connection as `spec` says, in the demo's agent group: created when missing, patched in
 * what differs (settings are compared key by key, so a setting the developer added stays), and
 * refused when archived or of another type. `where` describes it in the log.
 */
export async function ensureDemoConnection(call, { name, type, settings, credentialRef, description, where }, log) {
  const { items } = await call('GET', `/v1/connections?name=${name}&includeArchived=true`);
  const existing = items.find((c) => c.name === name);
  if (!existing) {
    await call('POST', '/v1/connections', { name, type, agentGroup: AGENT_GROUP, settings, ...(credentialRef ? { credentialRef } : {}), labels: { env: 'dev' }, description });
    log(`created connection ${name} (${where})`);
    return;
  }
  if (existing.archived) throw new DevApiError(`connection ${name} is archived; the demo cannot use it`);
  if (existing.type !== type) throw new DevApiError(`connection ${name} exists with type ${existing.type}, not ${type}`);
  const change = {};
  if (existing.agentGroup !== AGENT_GROUP) change.agentGroup = AGENT_GROUP;
  if (Object.entries(settings).some(([key, value]) => !isDeepStrictEqual(existing.settings?.[key], value))) change.settings = settings;
  if (credentialRef && existing.credentialRef !== credentialRef) change.credentialRef = credentialRef;
  if (Object.keys(change).length === 0) return;
  await call('PATCH', `/v1/connections/${existing.id}`, change);
  log(`updated connection ${name} to ${where}`);
}

async function ensurePolicy(call, adminGroup, log) {
  const { items } = await call('GET', '/v1/policies');
  if (items.some((p) => p.name === POLICY_NAME)) return; // the developer may have changed it: leave it
  await call('POST', '/v1/policies', {
    name: POLICY_NAME,
    description: 'Demo policy of `pnpm dev`: dev-postgres needs one admin to approve, for at most 1h.',
    rules: [
      {
        name: 'dev-postgres-needs-an-admin',
        effect: 'require-approval',
        match: { connection: { names: [DEMO_CONNECTION] } },
        approvals: { count: 1, groups: [adminGroup] },
        maxDuration: '1h',
      },
    ],
  });
  log(`created policy ${POLICY_NAME}: ${DEMO_CONNECTION} needs 1 approval from ${adminGroup}, at most 1h`);
}

async function ensureApprover(call, apiUrl, file, adminGroup, log) {
  const { items } = await call('GET', `/v1/identities?kind=human&group=${encodeURIComponent(adminGroup)}&limit=500`);
  let approver = items.find((i) => i.subject === APPROVER_SUBJECT);
  if (!approver) {
    approver = await call('POST', '/v1/identities', {
      kind: 'human',
      subject: APPROVER_SUBJECT,
      displayName: 'Dev approver (pnpm dev)',
      groups: [adminGroup],
    });
    log(`created identity ${APPROVER_SUBJECT} in ${adminGroup}`);
  }
  const kept = await readSecret(file);
  if (kept) {
    const me = await whoIs(devApi(apiUrl, kept));
    if (me?.id === approver.id) return;
  }
  const { token } = await call('POST', `/v1/identities/${approver.id}/tokens`, { name: 'pnpm dev' });
  await writeSecret(file, token);
  log(`issued a token for ${APPROVER_SUBJECT}`);
}

/**
 * The agent whose token is in `file`, or a new one. Agent names stay taken after a revoke and
 * the API has no token rotation, so a lost token means: revoke the old agent, register
 * `local-agent-2` (then -3, …).
 */
async function ensureAgent(call, file, log) {
  const { items } = await call('GET', `/v1/agents?group=${AGENT_GROUP}&includeRevoked=true&limit=500`);
  const ours = items.filter((a) => a.name === AGENT_NAME || a.name.startsWith(`${AGENT_NAME}-`));
  const kept = await readSecret(file);
  const match = kept && ours.find((a) => !a.revoked && a.prefix === kept.slice(0, AGENT_PREFIX_LENGTH));
  if (match) return { id: match.id, name: match.name };

  for (const stale of ours.filter((a) => !a.revoked)) {
    await call('POST', `/v1/agents/${stale.id}/revoke`, { reason: 'pnpm dev lost its token (.data/dev-agent-token)' });
    log(`revoked agent ${stale.name}: its token is not in ${path.relative(process.cwd(), file)}`);
  }
  const taken = new Set(ours.map((a) => a.name));
  let name = AGENT_NAME;
  for (let n = 2; taken.has(name); n += 1) name = `${AGENT_NAME}-${n}`;
  const registered = await call('POST', '/v1/agents', { name, agentGroup: AGENT_GROUP, labels: { env: 'dev' } });
  await removeSecret(file);
  await writeSecret(file, registered.token);
  log(`registered agent ${name} in group ${AGENT_GROUP}`);
  return { id: registered.id, name };
}
