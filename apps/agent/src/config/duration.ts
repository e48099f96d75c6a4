// Durations in settings: "500ms", "30s", "5m", "1h", or plain seconds. Returns milliseconds.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(value: string): number {
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const match = /^(\d{1,9})(ms|s|m|h)$/.exec(trimmed);
  if (!match) throw new Error('must be a duration such as 500ms, 30s, 5m or 1h');
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
