// Environment durations ("15s", "1h", "90d" or plain seconds). The policy package parses the
// durations of requests and rules; this one is only for settings, so it stays local and small.
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export function parseSettingDuration(value: string): number {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(\d+)([smhd])$/.exec(trimmed);
  if (!match) throw new Error(`"${value}" is not a duration such as 30s, 15m, 1h or 7d`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}
