// The gateway's /metrics, parsed strictly enough that a malformed line or a sample without its
// family's TYPE is a problem the suites report.

/** Prometheus text exposition (0.0.4): samples by `name{labels}`, with the families' types. */
export function parseMetrics(text: string): { samples: Map<string, number>; types: Map<string, string>; problems: string[] } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const problems: string[] = [];
  // NaN in any case: prom-client writes "Nan" for an empty event-loop histogram, which
  // Prometheus's parser (Go's ParseFloat) accepts.
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|[Nn][Aa][Nn]))(?: -?\d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2] as string, meta[3] as string);
      else helps.add(meta[2] as string);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) {
      problems.push(`malformed line: ${line}`);
      continue;
    }
    const key = `${sample[1]}${sample[2] ?? ''}`;
    if (samples.has(key)) problems.push(`duplicate sample: ${key}`);
    samples.set(key, Number(sample[3]));
    const family = (sample[1] as string).replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(family) && !types.has(sample[1] as string)) problems.push(`sample without a TYPE: ${key}`);
  }
  for (const family of types.keys()) if (!helps.has(family)) problems.push(`family without HELP: ${family}`);
  return { samples, types, problems };
}

/** The sum of the samples of `name` whose labels include every pair in `labels`. */
export function sum(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (!key.startsWith(`${name}{`) && key !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}
