// Whether JSON text names a key twice in one object. JSON.parse keeps the last value and the
// masker never sees the first; a client whose parser keeps the first (or streams every member)
// would read it unmasked. Only called on text JSON.parse accepted, so the scan can be simple.

/** True when some object in `text` (valid JSON) has two members whose names decode the same. */
export function hasDuplicateKey(text: string): boolean {
  // One entry per open object or array: the names seen so far (null for arrays).
  const open: Array<Set<string> | null> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = open[open.length - 1];
      if (expectName && top) {
        const raw = text.slice(i + 1, end - 1);
        // Escapes spell one name several ways ("a" and "\u0061"): decode only names that have one.
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.has(name)) return true;
        top.add(name);
      }
      expectName = false;
      i = end - 1;
    } else if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = open[open.length - 1] !== null && open.length > 0;
    }
  }
  return false;
}

/** Index after the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else j++;
  }
  return text.length;
}
