// What the gateway's and the agent's own code say about the ports they open, the TLS settings
// they read and the routes they serve. The manifests are checked against these, not against
// numbers copied into the specs. Files are found by content, not by path, so moving code around
// inside apps/*/src does not break the deploy specs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS } from '@jitgate/contracts';
import { REPO_ROOT } from './render.js';

export const GATEWAY_SRC = path.join(REPO_ROOT, 'apps/gateway/src');
export const AGENT_SRC = path.join(REPO_ROOT, 'apps/agent/src');

interface SourceFile {
  file: string;
  text: string;
}

function sourceFiles(dir: string): SourceFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes('generated'))
    .sort()
    .map((file) => ({ file: path.relative(REPO_ROOT, file), text: readFileSync(file, 'utf8') }));
}

function matchesIn(files: SourceFile[], pattern: RegExp): Array<{ file: string; match: RegExpExecArray }> {
  return files.flatMap(({ file, text }) => [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))].map((match) => ({ file, match })));
}

function only<T>(found: T[], what: string): T {
  if (found.length !== 1) throw new Error(`expected exactly one ${what} in the source, found ${found.length}`);
  return found[0] as T;
}

export interface Listener {
  /** The setting that moves it: PORT, JITGATE_TUNNEL_PORT, … */
  env: string;
  /** Its default in the config schema. */
  port: number;
  /** `<prefix>_TLS_CERT` / `<prefix>_TLS_KEY` are its TLS files; undefined when the code has none. */
  tlsPrefix: string | undefined;
}

/** A default as the source writes it: a number, or `DEFAULT_PORTS.<name>` from the contracts. */
function portValue(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const name = text.slice('DEFAULT_PORTS.'.length);
  const port = (DEFAULT_PORTS as Record<string, number>)[name];
  if (port === undefined) throw new Error(`DEFAULT_PORTS has no ${name}`);
  return port;
}

/** Every port the gateway listens on, from its config schema (zod defaults). */
export function gatewayListeners(): Listener[] {
  const files = sourceFiles(GATEWAY_SRC);
  const tlsPrefixes = new Set(matchesIn(files, /^\s*(JITGATE_[A-Z_]+?)_TLS_CERT:/m).map(({ match }) => match[1] as string));
  // `PORT: z.coerce.number()….default(8080)`, or the tcpPort(8080) helper the other ports use;
  // the default is a number or a name in @jitgate/contracts' DEFAULT_PORTS (`DEFAULT_PORTS.api`).
  const value = String.raw`(\d+|DEFAULT_PORTS\.\w+)`;
  const rest = only(matchesIn(files, new RegExp(String.raw`^\s*PORT:\s*(?:tcpPort\(${value}\)|z\.coerce\.number\(\)[^\n]*?\.default\(${value}\))`, 'm')), 'PORT setting with a default');
  const others = matchesIn(files, new RegExp(String.raw`^\s*(JITGATE_[A-Z_]+?)_PORT:\s*tcpPort\(${value}\)`, 'm'));
  if (others.length === 0) throw new Error('no JITGATE_*_PORT settings found in apps/gateway/src');
  return [
    // PORT's TLS files are JITGATE_API_TLS_* (the REST API's), when the code has them.
    { env: 'PORT', port: portValue((rest.match[1] ?? rest.match[2]) as string), tlsPrefix: tlsPrefixes.has('JITGATE_API') ? 'JITGATE_API' : undefined },
    ...others.map(({ match }) => {
      const prefix = match[1] as string;
      return { env: `${prefix}_PORT`, port: portValue(match[2] as string), tlsPrefix: tlsPrefixes.has(prefix) ? prefix : undefined };
    }),
  ];
}

/** `<prefix>_TLS_CERT` settings in the gateway's config schema. */
export function gatewayTlsPrefixes(): string[] {
  return matchesIn(sourceFiles(GATEWAY_SRC), /^\s*(JITGATE_[A-Z_]+?)_TLS_CERT:/m).map(({ match }) => match[1] as string);
}

/** The run modes (JITGATE_MODE) and what each opens. `PORT` (health, readiness, metrics) is in every one. */
export const MODES = ['api', 'worker', 'data'] as const;
export type Mode = (typeof MODES)[number];

export function parseModes(value: string | undefined): Mode[] {
  const items = (value ?? 'all').split(',').map((item) => item.trim());
  if (items.some((item) => item !== 'all' && !(MODES as readonly string[]).includes(item))) throw new Error(`JITGATE_MODE=${value}: not a list of api, worker, data or all`);
  return items.includes('all') ? [...MODES] : (items as Mode[]);
}

/** What a gateway with these modes listens on: the REST/health port always, the data plane's ports with `data`. */
export function listenersOpenedBy(modes: Mode[]): Listener[] {
  return gatewayListeners().filter((listener) => listener.env === 'PORT' || modes.includes('data'));
}

/** Routes the gateway serves with Nest's @Get, by path. */
export function gatewayRoutes(): Set<string> {
  return new Set(matchesIn(sourceFiles(GATEWAY_SRC), /@Get\('([^']*)'\)/).map(({ match }) => `/${match[1] as string}`));
}

/** The agent's health server port default, from its config schema. */
export function agentHealthPort(): number {
  const found = only(matchesIn(sourceFiles(AGENT_SRC), /JITGATE_AGENT_HEALTH_PORT:[^\n]*?\.default\((\d+)\)/), 'JITGATE_AGENT_HEALTH_PORT default');
  return Number(found.match[1]);
}

/** Files of the agent that open a listening socket (server.listen, createServer, gRPC bind). */
export function agentListenerFiles(): string[] {
  const found = matchesIn(sourceFiles(AGENT_SRC), /\b(createServer|bindAsync)\(|\.listen\(/);
  return [...new Set(found.map(({ file }) => file))];
}

/** Paths the agent's health server answers. */
export function agentHealthRoutes(): Set<string> {
  const file = only(agentListenerFiles(), 'agent listener file');
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return new Set([...text.matchAll(/path === '(\/[a-z]+)'/g)].map((match) => match[1] as string));
}
