// The built entry points the suites run as processes (`node dist/main.js` of the gateway, the
// agent and the CLI), found through the workspace packages @jitgate/e2e depends on, so that turbo
// builds them before the suites run. Build them by hand with
// `pnpm turbo run build --filter=@jitgate/gateway... --filter=@jitgate/agent... --filter=@jitgate/cli...`.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function builtMain(workspacePackage: string): string {
  return path.join(path.dirname(require.resolve(`${workspacePackage}/package.json`)), 'dist', 'main.js');
}

export const GATEWAY_MAIN = builtMain('@jitgate/gateway');
export const AGENT_MAIN = builtMain('@jitgate/agent');
export const CLI_MAIN = builtMain('@jitgate/cli');
