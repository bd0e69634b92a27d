import { describe, expect, it } from 'vitest'
import { MigrationError } from '../errors.ts'
import type { KeyIndexStatus } from '../target/dataverse/metadata.ts'
import { waitForKeys } from './wait-for-keys.ts'

/** A fake metadata client whose keys answer statuses from a script, one per read (the last one repeats). */
function fakeKeys(script: Record<string, (KeyIndexStatus | undefined)[]>) {
  const reads: string[] = []
  return {
    reads,
    metadata: {
      keyStatus: async (table: string, key: string) => {
        const name = `${table}.${key}`
        reads.push(name)
        const statuses = script[name] ?? []
        return statuses.length > 1 ? statuses.shift() : statuses[0]
      },
    },
  }
}

function fakeClock() {
  const clock = { now: 0, sleeps: [] as number[] }
  return {
    clock,
    options: {
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.sleeps.push(ms)
        clock.now += ms
      },
    },
  }
}

const ACCOUNT = { table: 'account', key: 'new_x2crmid_key' }

describe('waitForKeys', () => {
  it('polls until Pending → InProgress → Active, backing off from 2 s to at most 30 s', async () => {
    const { metadata, reads } = fakeKeys({
      'account.new_x2crmid_key': [
        'Pending',
        'Pending',
        'InProgress',
        'InProgress',
        'InProgress',
        'InProgress',
        'Active',
      ],
    })
    const { clock, options } = fakeClock()
    const result = await waitForKeys([ACCOUNT], metadata, options)
    expect(clock.sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000])
    expect(result).toEqual({ polls: 7, waitedMs: 90_000 })
    expect(reads).toHaveLength(7)
  })

  it('reads an Active key once and does not sleep', async () => {
    const { metadata } = fakeKeys({ 'account.new_x2crmid_key': ['Active'] })
    const { clock, options } = fakeClock()
    expect(await waitForKeys([ACCOUNT], metadata, options)).toEqual({ polls: 1, waitedMs: 0 })
    expect(clock.sleeps).toEqual([])
  })

  it('stops re-reading keys that are Active and reports the others while it waits', async () => {
    const { metadata, reads } = fakeKeys({
      'account.new_x2crmid_key': ['Active'],
      'contact.new_x2crmid_key': ['Pending', 'Active'],
    })
    const waits: unknown[] = []
    const { options } = fakeClock()
    await waitForKeys([ACCOUNT, { table: 'contact', key: 'new_x2crmid_key' }], metadata, {
      ...options,
      onWait: (pending, waitedMs) => waits.push({ pending, waitedMs }),
    })
    expect(reads).toEqual(['account.new_x2crmid_key', 'contact.new_x2crmid_key', 'contact.new_x2crmid_key'])
    expect(waits).toEqual([
      { pending: [{ table: 'contact', key: 'new_x2crmid_key', status: 'Pending' }], waitedMs: 0 },
    ])
  })

  it('says which key Failed and that duplicates in its column are the usual cause', async () => {
    const { metadata } = fakeKeys({ 'account.new_x2crmid_key': ['Pending', 'Failed'] })
    const error = await waitForKeys([ACCOUNT], metadata, fakeClock().options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    const message = (error as Error).message
    expect(message).toContain('alternate key new_x2crmid_key on table account Failed')
    expect(message).toMatch(/duplicate values/)
    expect(message).toMatch(/reactivate the key/)
  })

  it('gives up after the timeout, naming the table and key and saying the load can be retried', async () => {
    const { metadata, reads } = fakeKeys({ 'account.new_x2crmid_key': ['InProgress'] })
    const { clock, options } = fakeClock()
    const error = await waitForKeys([ACCOUNT], metadata, { ...options, timeoutMs: 5 * 60_000 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MigrationError)
    expect((error as Error).message).toBe(
      'Alternate key new_x2crmid_key of table account (InProgress) is not Active after 5 minutes. Dataverse is still ' +
        'building the index: the load can be retried once the key is Active (run `x2d365 schema apply` again to check).',
    )
    expect(clock.now).toBe(5 * 60_000)
    // 2+4+8+16 s, then every 30 s, the last pause cut to the deadline.
    expect(reads.length).toBeLessThanOrEqual(16)
    expect(clock.sleeps.at(-1)).toBeLessThanOrEqual(30_000)
  })

  it('defaults to a 30 minute timeout', async () => {
    const { metadata, reads } = fakeKeys({ 'account.new_x2crmid_key': ['Pending'] })
    const { clock, options } = fakeClock()
    await expect(waitForKeys([ACCOUNT], metadata, options)).rejects.toThrow(/not Active after 30 minutes/)
    expect(clock.now).toBe(30 * 60_000)
    expect(reads.length).toBeLessThan(70)
  })

  it('tells the user to run schema apply again when a key is missing', async () => {
    const { metadata } = fakeKeys({})
    await expect(waitForKeys([ACCOUNT], metadata, fakeClock().options)).rejects.toThrow(
      'Alternate key new_x2crmid_key of table account is not in Dataverse; run `x2d365 schema apply` again to create it.',
    )
  })
})
