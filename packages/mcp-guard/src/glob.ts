/**
 * Case-sensitive wildcard match for tool / prompt names and resource URIs: `*` is any run of
 * characters (including `/`), `?` exactly one, everything else literal. Two pointers with
 * backtracking to the last `*`, so at worst O(pattern × text) and never a regex.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && (pc === 63 /* ? */ || pc === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && pc === 42 /* * */) {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}
