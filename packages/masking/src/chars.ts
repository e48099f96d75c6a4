// Character classes on UTF-16 code units; hand-rolled so the hot path needs no regex.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Letters, digits and `_`: what makes a neighbouring character part of the same token. */
export function isWordChar(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c) || c === 95;
}

/** The base64url alphabet `[A-Za-z0-9_-]`. */
export function isBase64UrlChar(c: number): boolean {
  return isWordChar(c) || c === 45;
}

/** Stops counting at `cap`: the detectors only need to know "at least n digits". */
export function countDigits(text: string, cap: number): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++count >= cap) return count;
  }
  return count;
}

/** Luhn (mod 10) over the digits of `text[start, end)`, skipping any other character. */
export function luhnValid(text: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
