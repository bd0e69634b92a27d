import { createHash } from 'node:crypto'
import { parse } from 'yaml'
import { z } from 'zod'

/** mapping.lock.json: who confirmed which content of mapping.yaml, and when. */
export interface MappingLock {
  /** sha256 of the map's content (keys sorted; comments and layout do not count) */
  hash: string
  who: string
  /** ISO 8601 */
  when: string
}

export type ConfirmCheck = { status: 'ok'; lock: MappingLock } | { status: 'refused'; message: string }

const LockSchema = z.strictObject({
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  who: z.string().min(1),
  when: z.string().min(1),
})

/**
 * The content hash of mapping.yaml text: sha256 of its data as canonical JSON, so that comments, blank lines and key
 * order may change without a new confirm, while any changed value needs one. `undefined` when the YAML does not
 * parse.
 */
export function hashMapping(text: string): string | undefined {
  let data: unknown
  try {
    data = parse(text) as unknown
  } catch {
    return undefined
  }
  return `sha256:${createHash('sha256').update(canonicalJson(data)).digest('hex')}`
}

/** The lock for `text`, confirmed by `who` at `when`. Undefined when the YAML does not parse (nothing to confirm). */
export function confirmMapping(text: string, who: string, when: Date): MappingLock | undefined {
  const hash = hashMapping(text)
  return hash === undefined ? undefined : { hash, who, when: when.toISOString() }
}

/** mapping.lock.json text → the lock, or a message saying what is wrong with it. */
export function parseLock(text: string): { lock: MappingLock } | { error: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { error: 'is not JSON' }
  }
  const parsed = LockSchema.safeParse(json)
  if (!parsed.success)
    return {
      error: `is not a mapping lock (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    }
  return { lock: parsed.data }
}

/**
 * Whether `command` may use the map: it must be confirmed (`lock` present) and unchanged since. Otherwise a refusal
 * that says what to do. Pure.
 * @example checkConfirmed(text, lock, 'migrate')
 */
export function checkConfirmed(
  text: string,
  lock: MappingLock | undefined,
  command = 'migrate',
): ConfirmCheck {
  if (lock === undefined) {
    return {
      status: 'refused',
      message:
        `${command} needs a confirmed map, and mapping.yaml has not been confirmed. Review it, check it with ` +
        `\`x2d365 map validate\`, lock it with \`x2d365 map confirm\`, then run \`x2d365 ${command}\` again.`,
    }
  }
  const hash = hashMapping(text)
  if (hash !== lock.hash) {
    return {
      status: 'refused',
      message:
        `mapping.yaml changed since ${lock.who} confirmed it on ${lock.when}. Review the changes and run ` +
        `\`x2d365 map confirm\` again (or restore the confirmed version), then run \`x2d365 ${command}\` again.`,
    }
  }
  return { status: 'ok', lock }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
