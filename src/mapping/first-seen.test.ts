import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createFirstSeen } from './first-seen.ts'

const hashOf = (key: string) => createHash('sha256').update(key).digest()

describe('first seen', () => {
  it('answers the first id noted under a key, and nothing for a new key', () => {
    const seen = createFirstSeen()
    expect(seen.noteOrGet(hashOf('ann'), 7)).toBeUndefined()
    expect(seen.noteOrGet(hashOf('bob'), 8)).toBeUndefined()
    expect(seen.noteOrGet(hashOf('ann'), 9)).toBe(7)
    expect(seen.noteOrGet(hashOf('ann'), 10)).toBe(7)
    expect(seen.size).toBe(2)
  })

  it('keeps every key as it grows past its first slots', () => {
    const seen = createFirstSeen(16)
    for (let id = 1; id <= 50_000; id++) expect(seen.noteOrGet(hashOf(`key ${id}`), id)).toBeUndefined()
    for (let id = 1; id <= 50_000; id += 997) expect(seen.noteOrGet(hashOf(`key ${id}`), 1e9)).toBe(id)
    expect(seen.size).toBe(50_000)
  })
})

describe('first seen, past 32-bit ids', () => {
  it('keeps an id too large for a slot beside the table, and answers it', () => {
    const seen = createFirstSeen(16)
    const big = 2 ** 40 + 3
    expect(seen.noteOrGet(hashOf('large'), big)).toBeUndefined()
    expect(seen.noteOrGet(hashOf('edge'), 0xffff_ffff)).toBeUndefined()
    for (let id = 1; id <= 100; id++) seen.noteOrGet(hashOf(`filler ${id}`), id)
    expect(seen.noteOrGet(hashOf('large'), 5)).toBe(big)
    expect(seen.noteOrGet(hashOf('edge'), 5)).toBe(0xffff_ffff)
    expect(seen.size).toBe(102)
  })
})
