// Base62 ([0-9A-Za-z]) for short codes: the densest alphabet that survives URLs, e-mail clients and
// double-click selection unescaped. Fixed width, so every id of the code space has one spelling
// and the width states the space: 62^7 ≈ 3.52 × 10^12 seven-character codes.
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = 62n;

/** 62^width, the number of distinct codes of that width. */
export function spaceOf(width: number): bigint {
  return BASE ** BigInt(width);
}

/** `value` in base62, left-padded with '0' to `width` characters. */
export function encodeBase62(value: bigint, width: number): string {
  if (value < 0n || value >= spaceOf(width))
    throw new RangeError(`${value} does not fit ${width} base62 digits`);
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i += 1) {
    out = BASE62_ALPHABET[Number(rest % BASE)] + out;
    rest /= BASE;
  }
  return out;
}

/** The inverse of encodeBase62; throws on a character outside the alphabet. */
export function decodeBase62(text: string): bigint {
  let value = 0n;
  for (const char of text) {
    const digit = BASE62_ALPHABET.indexOf(char);
    if (digit < 0) throw new RangeError(`"${char}" is not a base62 digit`);
    value = value * BASE + BigInt(digit);
  }
  return value;
}
