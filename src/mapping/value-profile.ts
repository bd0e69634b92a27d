/** What a sample of one field's values looks like: lengths, formats, distinct values. */
export interface ValueProfile {
  /** Values in the sample (records that have the field). */
  count: number
  /** Values that are not null, empty or 0-dates. */
  filled: number
  /** Longest value as text, in UTF-16 units as Dataverse counts. */
  maxLength: number
  /** Share of filled values that look like an e-mail address, a web address, a phone number, a number. */
  formats: { email: number; url: number; phone: number; number: number }
  /** Distinct filled values (trimmed), up to 50; `distinctCapped` when there were more. */
  distinct: readonly string[]
  distinctCapped: boolean
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const URL_LIKE = /^(https?:\/\/|www\.)\S+$|^[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i
const PHONE = /^\+?[\d\s().-]{6,}$/
const NUMBER = /^[+-]?\d+(\.\d+)?$/

/** Profiles the sampled values of one field. Pure. */
export function profileValues(values: readonly unknown[]): ValueProfile {
  const distinct = new Set<string>()
  let filled = 0
  let maxLength = 0
  const hits = { email: 0, url: 0, phone: 0, number: 0 }
  for (const value of values) {
    if (value === null || value === undefined) continue
    const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim()
    if (text === '') continue
    filled++
    maxLength = Math.max(maxLength, text.length)
    if (EMAIL.test(text)) hits.email++
    if (URL_LIKE.test(text)) hits.url++
    if (PHONE.test(text) && /\d{3}/.test(text)) hits.phone++
    if (NUMBER.test(text)) hits.number++
    if (distinct.size <= 50) distinct.add(text)
  }
  const share = (n: number) => (filled === 0 ? 0 : n / filled)
  return {
    count: values.length,
    filled,
    maxLength,
    formats: {
      email: share(hits.email),
      url: share(hits.url),
      phone: share(hits.phone),
      number: share(hits.number),
    },
    distinct: [...distinct].slice(0, 50),
    distinctCapped: distinct.size > 50,
  }
}

/** `sample: 40 of 50 filled, max 23 chars, 100% e-mail` */
export function describeProfile(profile: ValueProfile): string {
  if (profile.count === 0) return 'no sample'
  const parts = [`sample: ${profile.filled} of ${profile.count} filled`]
  if (profile.filled > 0) parts.push(`max ${profile.maxLength} chars`)
  for (const [format, share] of Object.entries(profile.formats)) {
    if (share >= 0.5) parts.push(`${Math.round(share * 100)}% ${format === 'email' ? 'e-mail' : format}`)
  }
  return parts.join(', ')
}
