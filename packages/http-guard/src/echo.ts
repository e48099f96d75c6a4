/** Longest piece of caller input repeated in a reason or a summary (README "Decisions"). */
export const MAX_ECHO = 200;

/** Caller input fit for a 403 body or a log line: cut, with control characters escaped. */
export function echo(s: string, max = MAX_ECHO): string {
  const cut = s.length <= max ? s : `${s.slice(0, max)}…`;
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
