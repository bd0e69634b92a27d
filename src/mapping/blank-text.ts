/**
 * White space and invisible format characters. JavaScript's `trim()` removes white space and U+FEFF but keeps the
 * format characters (\p{Cf}): zero-width space U+200B, ZWNJ U+200C, ZWJ U+200D, word joiner U+2060, soft hyphen U+00AD,
 * bidi marks… A name made only of them shows as nothing in Dynamics 365.
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}]/gu

/** True when the text shows nothing: empty once white space and invisible format characters are removed. */
export function isBlankText(text: string): boolean {
  return text.replace(INVISIBLE, '') === ''
}

/** A value a required column cannot take: null, or text that shows nothing. */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && isBlankText(value))
}
