import { describe, expect, it } from 'vitest'
import type { X2crmRecord } from './types.ts'
import { TAGS_FIELD, withTags } from './with-tags.ts'

const source = (ids: number[]) => ({
  async *records(_entity: string): AsyncGenerator<X2crmRecord> {
    for (const id of ids) yield { id }
  },
})

describe('withTags, record by record', () => {
  it('reads the next records’ tags while one is yielded, keeping the records in their order', async () => {
    let inFlight = 0
    let most = 0
    const reader = {
      async tags(_entity: string, id: number) {
        inFlight++
        most = Math.max(most, inFlight)
        // Later ids answer first: the order must still be the source's.
        await new Promise((resolve) => setImmediate(resolve))
        if (id % 2 === 0) await new Promise((resolve) => setImmediate(resolve))
        inFlight--
        return id % 3 === 0 ? ['#vip'] : []
      },
    }
    const tagged = withTags(source([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), reader, new Set(['Contacts']))
    const read: X2crmRecord[] = []
    for await (const record of tagged.records('Contacts')) read.push(record)
    expect(read.map((r) => r['id'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(read.filter((r) => r[TAGS_FIELD] === '#vip').map((r) => r['id'])).toEqual([3, 6, 9, 12])
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(8)
  })

  it('throws the failed read in its turn, after the records before it', async () => {
    const reader = {
      tags: (_entity: string, id: number) =>
        id === 3 ? Promise.reject(new Error('tags of 3: 500')) : Promise.resolve([]),
    }
    const read: unknown[] = []
    const reading = (async () => {
      for await (const record of withTags(source([1, 2, 3, 4]), reader, new Set(['Contacts'])).records(
        'Contacts',
      ))
        read.push(record['id'])
    })()
    await expect(reading).rejects.toThrow('tags of 3: 500')
    expect(read).toEqual([1, 2])
  })
})
