// The version reported in Hello comes from package.json, read once at start (src/ and dist/ are
// both one level below it).
import { readFileSync } from 'node:fs';

export function readAgentVersion(): string {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    if (typeof raw === 'object' && raw !== null && 'version' in raw && typeof raw.version === 'string') return raw.version;
  } catch {
    // A stripped-down image without package.json still runs; the gateway just sees "unknown".
  }
  return 'unknown';
}
