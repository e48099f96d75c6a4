// What `pnpm dev` prints once everything is up: where things listen, the dev admin's token and
// the next steps of README "Postgres through the gateway" and "Through the data path", with this
// run's ports in them.

/**
 * `adminToken` is set only when the gateway accepted it; `adminFile` when it is kept in that
 * file; `demo` (`agent`, `user`, `connection`, `cli`, `approverFile`, `shop`: the Postgres demo's
 * connection, when it is set up; `tools`: the MCP demo's) only when the local agent is connected.
 */
export function formatBanner({ ports, postgres, redis, adminToken, adminFile, demo }) {
  const api = `http://localhost:${ports.api}`;
  // Settings the CLI needs only when a port is not its default.
  const env = [...(ports.api !== 8080 ? [`export JITGATE_URL=${api}`] : []), ...(ports.tcp !== 8444 ? [`export JITGATE_PROXY=localhost:${ports.tcp}`] : [])];
  const lines = [
    '',
    demo ? `  jitgate gateway is ready, with agent ${demo.agent} connected` : '  jitgate gateway is ready',
    '',
    `  API        ${api}   (OpenAPI: ${api}/openapi.json)`,
    `  Tunnel     127.0.0.1:${ports.tunnel} (plaintext, agents)`,
    `  Clients    localhost:${ports.tcp} (jitgate connect), 127.0.0.1:${ports.pg} (psql and other Postgres clients; password: a jitgate token)`,
    `  Postgres   ${postgres}`,
    `  Redis      ${redis}`,
    '',
  ];
  if (adminToken) {
    lines.push('  You are the local dev admin (the token is kept in .data/dev-admin-token):', '', `    export JITGATE_TOKEN=${adminToken}`, ...env.map((line) => `    ${line}`), '');
  } else {
    lines.push(
      '  The gateway printed a one-time bootstrap admin token on its first start against this',
      '  database (only then). Export it as JITGATE_TOKEN and call the API:',
      '',
      `    curl -H "Authorization: Bearer $JITGATE_TOKEN" ${api}/v1/identities/me`,
      '',
    );
  }
  if (demo?.shop) {
    const password = adminFile ? `$(cat ${adminFile})` : '$JITGATE_TOKEN';
    lines.push(
      `  Try Postgres through the gateway (README: "Postgres through the gateway"): ${demo.shop} is`,
      '  yours at once, with guardrails. In that shell:',
      '',
      `    node ${demo.cli} request ${demo.shop} --duration 30m --reason "try the guardrails"`,
      `    PGPASSWORD=${password} psql "host=127.0.0.1 port=${ports.pg} dbname=${demo.shop} user=you sslmode=disable"`,
      '    select * from customers;    -- card numbers, e-mails, phones masked',
      '    drop table orders;          -- blocked: ERROR:  jitgate: …',
      '',
      `  Every statement is recorded: GET ${api}/v1/sessions?connection=${demo.shop}, then /v1/sessions/<id>/events.`,
      '',
    );
  }
  if (demo?.tools) {
    const token = adminFile ? `$(cat ${adminFile})` : '$JITGATE_TOKEN';
    const rpc = (body) =>
      `    curl -s localhost:${ports.http}/c/${demo.tools} -H "Authorization: Bearer ${token}" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '${body}'`;
    lines.push(
      `  Try an MCP server through the gateway (README: "HTTP, BigQuery, Cloud Storage and MCP"): ${demo.tools}`,
      '  is yours at once, with tool rules:',
      '',
      `    node ${demo.cli} request ${demo.tools} --duration 30m --reason "try the tools"`,
      `${rpc('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')}    # drop_table is not listed`,
      `${rpc('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lookup_customer","arguments":{"name":"ada"}}}')}`,
      '',
    );
  }
  if (demo) {
    const cli = `node ${demo.cli}`;
    lines.push(
      '  Next steps: the data path (README: "Through the data path"). In that shell:',
      '',
      `    ${cli} request ${demo.connection} --duration 2m --reason "try the data path" --wait`,
      '',
      '  In a second shell, approve it as dev-approver (an admin who is not you; needs jq):',
      '',
      `    APPROVER=$(cat ${demo.approverFile})`,
      `    REQ=$(curl -s -H "Authorization: Bearer $APPROVER" '${api}/v1/access-requests?status=pending' | jq -r '.items[0].id')`,
      `    curl -s -X POST -H "Authorization: Bearer $APPROVER" -H 'Content-Type: application/json' -d '{}' ${api}/v1/access-requests/$REQ/approve`,
      '',
      '  Back in the first shell, then in a third, until the grant ends the session:',
      '',
      `    ${cli} connect ${demo.connection} --port 15432`,
      `    psql -h 127.0.0.1 -p 15432 -U ${demo.user} postgres`,
      '',
    );
  }
  lines.push('  Ctrl-C stops everything.', '');
  return lines.join('\n');
}
