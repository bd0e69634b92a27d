import { MigrationError } from '../errors.ts'
import type { DataverseMetadata, KeyIndexStatus } from '../target/dataverse/metadata.ts'
import type { SchemaKey } from './plan-schema.ts'

export interface WaitForKeysOptions {
  /** @default Date.now */
  now?: () => number
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  /** Give up after this long. @default 30 minutes */
  timeoutMs?: number
  /** First pause between polls; it doubles up to `maxIntervalMs`. @default 2000 */
  intervalMs?: number
  /** @default 30000 */
  maxIntervalMs?: number
  /** Called before each pause with the keys not Active yet and how long the wait has lasted. */
  onWait?: (pending: readonly KeyWait[], waitedMs: number) => void
}

export interface KeyWait extends SchemaKey {
  status: KeyIndexStatus
}

export interface WaitForKeysResult {
  /** Status reads made. */
  polls: number
  waitedMs: number
}

export const DEFAULT_KEY_TIMEOUT_MS = 30 * 60_000

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Polls `EntityKeyIndexStatus` of each key until all are Active (webapi.md §6.5): a new key's index builds in the
 * background, and upserts through a key that is not Active fail. A Failed index or the timeout is a MigrationError
 * saying which key and what to do.
 */
export async function waitForKeys(
  keys: readonly SchemaKey[],
  metadata: Pick<DataverseMetadata, 'keyStatus'>,
  options: WaitForKeysOptions = {},
): Promise<WaitForKeysResult> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEY_TIMEOUT_MS
  const maxIntervalMs = options.maxIntervalMs ?? 30_000
  let intervalMs = options.intervalMs ?? 2_000
  const started = now()
  let polls = 0
  let waiting: SchemaKey[] = [...keys]
  for (;;) {
    const pending: KeyWait[] = []
    for (const key of waiting) {
      polls += 1
      const status = await metadata.keyStatus(key.table, key.key)
      if (status === undefined) {
        throw new MigrationError(
          `Alternate key ${key.key} of table ${key.table} is not in Dataverse; run \`x2d365 schema apply\` again to create it.`,
        )
      }
      if (status === 'Failed') throw failed(key)
      if (status !== 'Active') pending.push({ ...key, status })
    }
    const waitedMs = now() - started
    if (pending.length === 0) return { polls, waitedMs }
    if (waitedMs >= timeoutMs) throw timedOut(pending, waitedMs)
    options.onWait?.(pending, waitedMs)
    await sleep(Math.min(intervalMs, timeoutMs - waitedMs))
    intervalMs = Math.min(intervalMs * 2, maxIntervalMs)
    waiting = pending
  }
}

function failed(key: SchemaKey): MigrationError {
  return new MigrationError(
    `The index of alternate key ${key.key} on table ${key.table} Failed (EntityKeyIndexStatus). Dataverse fails it ` +
      `when rows of ${key.table} hold duplicate values in the key's column: find and fix the duplicates, then ` +
      'reactivate the key (Power Apps: Tables → Keys, or the ReactivateEntityKey action) and run `x2d365 schema apply` again.',
  )
}

function timedOut(pending: readonly KeyWait[], waitedMs: number): MigrationError {
  const which = pending.map((k) => `${k.key} of table ${k.table} (${k.status})`).join(', ')
  return new MigrationError(
    `${pending.length === 1 ? 'Alternate key' : 'Alternate keys'} ${which} ${pending.length === 1 ? 'is' : 'are'} not Active after ${Math.round(waitedMs / 60_000)} minutes. Dataverse is still ` +
      'building the index: the load can be retried once the key is Active (run `x2d365 schema apply` again to check).',
  )
}
