// Plain-text formatting shared by the commands: times, durations, byte counts and tables.

/** `2026-11-22T14:05:00Z`: UTC, to the second. */
export function formatTime(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `1h 5m`, `29m 58s`, `12s`: the two largest units, rounded down (time left is never overstated). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const units: Array<[string, number]> = [
    ['d', Math.floor(total / 86_400)],
    ['h', Math.floor((total % 86_400) / 3600)],
    ['m', Math.floor((total % 3600) / 60)],
    ['s', total % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  if (first === -1) return '0s';
  return units
    .slice(first, first + 2)
    .filter(([, value]) => value > 0)
    .map(([unit, value]) => `${value}${unit}`)
    .join(' ');
}

/** `expires 2026-11-22T14:05:00Z, in 29m 58s` (or `…, 3s ago`). */
export function describeExpiry(expiresAt: string, now: number): string {
  const left = new Date(expiresAt).getTime() - now;
  if (Number.isNaN(left)) return `expires ${expiresAt}`;
  return `expires ${formatTime(expiresAt)}, ${left >= 0 ? `in ${formatDuration(left)}` : `${formatDuration(-left)} ago`}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
