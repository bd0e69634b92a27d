import { redactBody } from '../errors.ts'

/** The body parsed as JSON, or its text when it is not JSON, or undefined when empty. Never throws on bad JSON. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

const MAX_TEXT = 500

/**
 * A body safe to keep in an error: secret-bearing members replaced (see `redactBody`), every occurrence of the
 * given secrets in any string replaced too, and non-JSON text cut to 500 characters.
 */
export function redactErrorBody(body: unknown, secrets: readonly string[]): unknown {
  const scrub = (text: string): string =>
    secrets.reduce(
      (result, secret) => (secret === '' ? result : result.split(secret).join('[redacted]')),
      text,
    )
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value)
    if (Array.isArray(value)) return value.map(walk)
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, member]) => [scrub(key), walk(member)]))
    }
    return value
  }
  if (typeof body === 'string') return scrub(body.length > MAX_TEXT ? `${body.slice(0, MAX_TEXT)}…` : body)
  return walk(redactBody(body))
}
