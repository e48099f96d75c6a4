// What two processes agree on lives here, not in a copy with a comment pointing at the original
// (STYLE.md, habit 15). The comments that came with such copies ("keep in sync", "as the gateway
// validates them (apps/gateway/src/…)") are the trace they leave: none may be left in the apps.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const APPS = ['gateway', 'agent', 'cli'] as const;

/** Phrases that say "this is a copy of something another process owns". */
const COPY_PHRASES: RegExp[] = [
  /\b(?:keep|keeps|kept|keeping)\b[^.\n]{0,40}\bin sync\b/i,
  /\bin sync with\b/i,
  /\bmirror(?:s|ed|ing)?\b[^.\n]{0,30}\b(?:gateway|agent|cli)\b/i,
  /\bsame (?:shape|list|rules?|names?|codes?|schema|values?) as (?:the|in)\b/i,
  /\bchecks the same shape\b/i,
  /\bcop(?:y|ied)\b[^.\n]{0,30}\bfrom\b[^.\n]{0,30}\b(?:gateway|agent|cli)\b/i,
  /\bcopy of the (?:gateway|agent|cli)\b/i,
  /\bas the gateway (?:validates|issues|checks|defines|stores)\b/i,
  /\bthe gateway's own (?:rules|list|names|codes)\b/i,
];

/** A process's source that names another process's source is pointing at what it copied. */
function foreignSourcePaths(app: string): RegExp {
  const others = APPS.filter((other) => other !== app).join('|');
  return new RegExp(`\\bapps/(?:${others})\\b`);
}

/** Files of the gateway's that only a copy would name from the agent or the CLI. */
const GATEWAY_MODULE_NAMES = /(?:schemas|presenter)\.ts\b|\bjitgate\.error\.ts\b/;

function findCopyTraces(app: string, text: string): string[] {
  const rules = [...COPY_PHRASES, foreignSourcePaths(app), ...(app === 'gateway' ? [] : [GATEWAY_MODULE_NAMES])];
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => rules.some((rule) => rule.test(line)))
    .map(({ line, number }) => `${number}: ${line.trim()}`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(?:ts|mts|js|mjs)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.includes(`${path.sep}node_modules${path.sep}`))
    .sort();
}

describe('the apps hold no copies of a contract', () => {
  it.each(APPS)('apps/%s/src', (app) => {
    const src = path.join(REPO, 'apps', app, 'src');
    const files = sourceFiles(src);
    expect(files.length).toBeGreaterThan(10);
    const traces = files.flatMap((file) => findCopyTraces(app, readFileSync(file, 'utf8')).map((trace) => `${path.relative(REPO, file)}:${trace}`));
    expect(traces).toEqual([]);
  });
});

describe('the traces it looks for', () => {
  it.each([
    ['cli', '/** Connection names as the gateway validates them (apps/gateway/src/connection/connection.schemas.ts). */'],
    ['agent', "// The gateway's own rules for these names (apps/gateway/src/connection/connection.schemas.ts)."],
    ['agent', "// A postgres connection's settings as the agent reads them (the gateway checks the same shape when"],
    ['agent', "// Which Google token a connection's sessions need (the gateway's connection.schemas.ts defines them)"],
    ['cli', "// The parts of the gateway's REST answers the CLI reads (…presenter.ts)."],
    ['gateway', ' * same shape (apps/agent/src/targets/postgres-settings.ts).'],
    ['agent', '// Keep this list in sync with the gateway.'],
    ['cli', "// Mirrors the gateway's error codes."],
    ['agent', '// Copied from the gateway, do not edit.'],
    ['agent', '/** `jga_` and 256 random bits, as the gateway issues them. */'],
  ])('finds it in %s: %s', (app, line) => {
    expect(findCopyTraces(app, line)).toHaveLength(1);
  });

  it.each([
    ['agent', '// The agent: one Tunnel per gateway address, kept in step with DNS, and the rule for giving up.'],
    ['agent', '// the status and JSON body the gateway relays (docs/http.md: `x-jitgate-error: <code>`,'],
    ['gateway', '// Maps every error to `{ error: { code, message, requestId } }` (common/errors/jitgate.error.ts).'],
    ['cli', '// jitgate connect builds these paths (packages/contracts/src/http-route.ts).'],
  ])('leaves alone in %s: %s', (app, line) => {
    expect(findCopyTraces(app, line)).toEqual([]);
  });
});
