import { describe, expect, it } from 'vitest'
import { classifyDelta, contentHash, detectDelta, type DeltaEntry } from './delta.ts'
import type { ExtractSource } from './extract.ts'

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

describe('contentHash', () => {
  it('ignores key order, volatile fields and number-or-string representation', () => {
    const a = contentHash({ id: 1, name: 'Acme', employees: 40, lastActivity: 1, lastUpdated: 5 })
    const b = contentHash({ lastUpdated: 9, employees: '40', name: 'Acme', id: '1', lastActivity: 2 })
    expect(a).toBe(b)
    expect(contentHash({ id: 1, name: 'Acme ' })).not.toBe(contentHash({ id: 1, name: 'Acme' }))
    expect(contentHash({ id: 1, name: null })).not.toBe(contentHash({ id: 1, name: 'null' }))
  })

  it('sees changes that do not bump lastUpdated when tags and relationships are hashed along', () => {
    const record = { id: 1, name: 'Acme' }
    expect(contentHash(record, { related: { tags: ['#vip', '#hot'] } })).toBe(
      contentHash(record, { related: { tags: ['#hot', '#vip'] } }),
    )
    expect(contentHash(record, { related: { tags: ['#vip'] } })).not.toBe(contentHash(record))
  })

  it('gives the hashes ledgers already hold (pinned: a delta after an upgrade must not see every record changed)', () => {
    const odd = {
      id: 1,
      é: 'x',
      Z: [1, 'a', null, { b: true, a: 2.5 }],
      'a"b': '\u2028\n',
      lastUpdated: 3,
      n: -0,
      big: 1e21,
      u: undefined,
    }
    expect(contentHash(odd)).toBe('S49QTT6qn9TtLixO_75ktILdNgWpBED2ubBbuzVjHg8')
  })
})

describe('classifyDelta', () => {
  it('merges current and previous hashes into new, changed, unchanged and deleted', async () => {
    const current = [
      { id: 1, hash: 'a' },
      { id: 2, hash: 'B' },
      { id: 4, hash: 'd' },
    ]
    const previous = [
      { id: 1, hash: 'a' },
      { id: 2, hash: 'b' },
      { id: 3, hash: 'c' },
      { id: 5, hash: 'e' },
    ]
    const entries: DeltaEntry[] = await collect(classifyDelta(current, previous))
    expect(entries.map((entry) => `${entry.id}:${entry.status}`)).toEqual([
      '1:unchanged',
      '2:changed',
      '3:deleted',
      '4:new',
      '5:deleted',
    ])
  })

  it('refuses hashes out of id order rather than misclassify', async () => {
    await expect(
      collect(
        classifyDelta(
          [
            { id: 2, hash: 'x' },
            { id: 1, hash: 'y' },
          ],
          [],
        ),
      ),
    ).rejects.toThrow(/ascend/)
  })
})

describe('detectDelta', () => {
  it('finds again a hidden record far below the lowest listed id instead of calling it deleted', async () => {
    // Service 200 is private to "Anyone" (hidden from lists); the listed ones start at 1000.
    const records = new Map([200, 1000, 1001].map((id) => [id, { id, name: `s${id}` }]))
    const source: ExtractSource = {
      async *records() {
        yield* [records.get(1000), records.get(1001)].filter((r) => r !== undefined)
      },
      record: async (_entity, id) => records.get(id),
      count: async () => 2,
    }
    const previous = [...records.values()].map((record) => ({ id: record.id, hash: contentHash(record) }))
    const store = {
      async *hashes() {
        yield* previous
      },
    }
    const changes = await collect(detectDelta(source, 'Services', store, { extract: { trailingProbe: 0 } }))
    expect(changes).toEqual([])
  })
})
